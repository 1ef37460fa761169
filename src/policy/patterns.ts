/**
 * Branch patterns: globs (`*` stays inside one path segment, `**` crosses `/`, `?` is one
 * character) or regular expressions written `/…/`. Placeholders `{name}` expand to configured
 * branch names and prefixes. Matching is exact and case-sensitive, as git's branch names are.
 */
export type Placeholders = Readonly<Record<string, string>>;

export interface CompiledPattern {
  readonly source: string;
  readonly regex?: RegExp;
  readonly error?: string;
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function expand(source: string, placeholders: Placeholders, quote: (s: string) => string): string | { error: string } {
  let unknown: string | undefined;
  const out = source.replace(PLACEHOLDER, (whole, name: string) => {
    const value = placeholders[name];
    if (value === undefined) {
      unknown ??= whole;
      return whole;
    }
    return quote(value);
  });
  if (unknown) {
    return { error: `unknown placeholder ${unknown}; use one of ${Object.keys(placeholders).map((k) => `{${k}}`).join(", ")}` };
  }
  return out;
}

function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      out += ".*";
      i++;
    } else if (c === "*") {
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else {
      out += escapeRegex(c);
    }
  }
  return out;
}

export function compilePattern(source: string, placeholders: Placeholders): CompiledPattern {
  const isRegex = source.length >= 2 && source.startsWith("/") && source.endsWith("/");
  if (isRegex) {
    const body = expand(source.slice(1, -1), placeholders, escapeRegex);
    if (typeof body !== "string") return { source, error: body.error };
    try {
      return { source, regex: new RegExp(`^(?:${body})$`, "u") };
    } catch (error) {
      return { source, error: `invalid regular expression: ${(error as Error).message}` };
    }
  }
  // Placeholder values are literal text inside a glob: protect their characters from globbing.
  const SENTINEL = "\u0000";
  const literals: string[] = [];
  const glob = expand(source, placeholders, (value) => {
    literals.push(value);
    return SENTINEL;
  });
  if (typeof glob !== "string") return { source, error: glob.error };
  if (/[[\]]/.test(glob)) return { source, error: "character classes ([…]) are not supported in globs; use a /regex/" };
  let i = 0;
  const body = glob
    .split(SENTINEL)
    .map((part) => globToRegex(part))
    .reduce((acc, part, index) => (index === 0 ? part : acc + escapeRegex(literals[i++] ?? "") + part), "");
  return { source, regex: new RegExp(`^${body}$`, "u") };
}

export function matches(pattern: CompiledPattern, branch: string): boolean {
  return pattern.regex !== undefined && pattern.regex.test(branch);
}
