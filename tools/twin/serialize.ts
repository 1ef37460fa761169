/**
 * JSON shapes of GitHub resources, shared by REST responses and webhook payloads.
 * Field sets follow the OpenAPI schemas and `@octokit/webhooks-examples`.
 */
import type { Core } from "./core.js";
import { commitsBetween, diffFiles, mergeBase } from "./git.js";
import { computeMergeability } from "./ops/mergeability.js";
import type {
  Account,
  AppRef,
  CheckRun,
  CheckSuite,
  CommitObject,
  CommitStatus,
  IssueComment,
  IssueState,
  Label,
  Release,
  RepoState,
  Review,
  TagObject,
} from "./state.js";
import { nodeId, permissionOf } from "./state.js";

type Json = Record<string, unknown>;

export function userJson(core: Core, account: Account): Json {
  const url = `${core.urls.api}/users/${encodeURIComponent(account.login)}`;
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type === "Bot" ? "Bot" : account.type === "Organization" ? "Organization" : "User", account.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `${core.urls.html}/${account.type === "Bot" ? "apps/" + account.login.replace(/\[bot\]$/, "") : account.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function appJson(core: Core, app: AppRef): Json {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("App", app.id),
    client_id: `Iv1.twin${app.id}`,
    owner: userJson(core, app.owner),
    name: app.name,
    description: "",
    external_url: `${core.urls.html}/apps/${app.slug}`,
    html_url: `${core.urls.html}/apps/${app.slug}`,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    permissions: appPermissions(),
    events: ["check_run", "check_suite", "issue_comment", "pull_request", "pull_request_review", "push", "release", "status"],
  };
}

export function appPermissions(): Record<string, string> {
  return { checks: "write", contents: "write", issues: "write", metadata: "read", pull_requests: "write", statuses: "write" };
}

export function repoApiUrl(core: Core, repo: RepoState): string {
  return `${core.urls.api}/repos/${repo.fullName}`;
}

export function repoHtmlUrl(core: Core, repo: RepoState): string {
  return `${core.urls.html}/${repo.fullName}`;
}

export function repoJson(core: Core, repo: RepoState): Json {
  const url = repoApiUrl(core, repo);
  const html = repoHtmlUrl(core, repo);
  const open = [...repo.issues.values()].filter((i) => i.state === "open").length;
  const forks = [...core.world.repos.values()].filter((r) => r.parent === repo).length;
  const templated = (name: string, suffix: string) => `${url}/${name}${suffix}`;
  return {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userJson(core, repo.owner),
    html_url: html,
    description: repo.description,
    fork: repo.parent !== null,
    url,
    forks_url: `${url}/forks`,
    keys_url: templated("keys", "{/key_id}"),
    collaborators_url: templated("collaborators", "{/collaborator}"),
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: templated("issues/events", "{/number}"),
    events_url: `${url}/events`,
    assignees_url: templated("assignees", "{/user}"),
    branches_url: templated("branches", "{/branch}"),
    tags_url: `${url}/tags`,
    blobs_url: templated("git/blobs", "{/sha}"),
    git_tags_url: templated("git/tags", "{/sha}"),
    git_refs_url: templated("git/refs", "{/sha}"),
    trees_url: templated("git/trees", "{/sha}"),
    statuses_url: templated("statuses", "/{sha}"),
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: templated("commits", "{/sha}"),
    git_commits_url: templated("git/commits", "{/sha}"),
    comments_url: templated("comments", "{/number}"),
    issue_comment_url: templated("issues/comments", "{/number}"),
    contents_url: templated("contents", "/{+path}"),
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: templated("issues", "{/number}"),
    pulls_url: templated("pulls", "{/number}"),
    milestones_url: templated("milestones", "{/number}"),
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: templated("labels", "{/name}"),
    releases_url: templated("releases", "{/id}"),
    deployments_url: `${url}/deployments`,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
    git_url: `git://github.com/${repo.fullName}.git`,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: forks,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: open,
    license: null,
    allow_forking: true,
    is_template: false,
    topics: [],
    visibility: repo.private ? "private" : "public",
    forks,
    open_issues: open,
    watchers: 0,
    default_branch: repo.defaultBranch,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    delete_branch_on_merge: false,
  };
}

/** `organization` object for org-owned repositories (webhook payloads). */
export function orgJson(core: Core, org: Account): Json {
  const url = `${core.urls.api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: nodeId("Organization", org.id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
    description: null,
  };
}

export function labelJson(core: Core, repo: RepoState, label: Label): Json {
  return {
    id: label.id,
    node_id: nodeId("Label", label.id),
    url: `${repoApiUrl(core, repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description,
  };
}

function issueLabels(core: Core, repo: RepoState, issue: IssueState): Json[] {
  return issue.labels.flatMap((name) => {
    const label = repo.labels.get(name.toLowerCase());
    return label ? [labelJson(core, repo, label)] : [];
  });
}

function assigneesJson(core: Core, issue: IssueState): Json[] {
  return issue.assignees.map((login) => userJson(core, core.world.account(login)));
}

export function authorAssociation(repo: RepoState, login: string): string {
  if (login.toLowerCase() === repo.owner.login.toLowerCase()) return "OWNER";
  return permissionOf(repo, login) ? "COLLABORATOR" : "NONE";
}

export function issueJson(core: Core, repo: RepoState, issue: IssueState): Json {
  const url = `${repoApiUrl(core, repo)}/issues/${issue.number}`;
  const assignees = assigneesJson(core, issue);
  const comments = [...repo.comments.values()].filter((c) => c.issueNumber === issue.number).length;
  const kind = issue.pull ? "pull" : "issues";
  return {
    url,
    repository_url: repoApiUrl(core, repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${repoHtmlUrl(core, repo)}/${kind}/${issue.number}`,
    id: issue.id,
    node_id: nodeId("Issue", issue.id),
    number: issue.number,
    title: issue.title,
    user: userJson(core, issue.user),
    labels: issueLabels(core, repo, issue),
    state: issue.state,
    locked: false,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    comments,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    closed_by: issue.closedBy ? userJson(core, issue.closedBy) : null,
    author_association: authorAssociation(repo, issue.user.login),
    active_lock_reason: null,
    ...(issue.pull
      ? {
          draft: issue.pull.draft,
          pull_request: {
            url: `${repoApiUrl(core, repo)}/pulls/${issue.number}`,
            html_url: `${repoHtmlUrl(core, repo)}/pull/${issue.number}`,
            diff_url: `${repoHtmlUrl(core, repo)}/pull/${issue.number}.diff`,
            patch_url: `${repoHtmlUrl(core, repo)}/pull/${issue.number}.patch`,
            merged_at: issue.pull.mergedAt,
          },
        }
      : {}),
    body: issue.body,
    state_reason: issue.state === "closed" ? "completed" : null,
    performed_via_github_app: null,
  };
}

/** Current tip of a branch, or null when it does not exist. */
export function branchTip(repo: RepoState, branch: string): string | null {
  return repo.refs.get(`refs/heads/${branch}`) ?? null;
}

/** Base sha a PR reports: the live base tip while open, the recorded one once closed. */
export function pullBaseSha(repo: RepoState, issue: IssueState): string {
  const pull = issue.pull as NonNullable<IssueState["pull"]>;
  return issue.state === "open" ? (branchTip(repo, pull.baseRef) ?? pull.baseSha) : pull.baseSha;
}

/** Where a PR's files are counted from: the merge base of its base and head, as GitHub's three-dot diff. */
export function pullDiffBase(core: Core, repo: RepoState, issue: IssueState): string {
  const base = pullBaseSha(repo, issue);
  return mergeBase(core.world, base, (issue.pull as NonNullable<IssueState["pull"]>).headSha) ?? base;
}

function branchSide(core: Core, repo: RepoState, ref: string, sha: string): Json {
  return { label: `${repo.owner.login}:${ref}`, ref, sha, user: userJson(core, repo.owner), repo: repoJson(core, repo) };
}

export interface PullJsonOptions {
  /** Consume one "mergeable: null" read (REST GET of a single PR does this). */
  consumeNullRead?: boolean;
}

export function pullJson(core: Core, repo: RepoState, issue: IssueState, options: PullJsonOptions = {}): Json {
  const pull = issue.pull;
  if (!pull) throw new Error(`twin: #${issue.number} is not a pull request`);
  const api = `${repoApiUrl(core, repo)}/pulls/${issue.number}`;
  const html = `${repoHtmlUrl(core, repo)}/pull/${issue.number}`;
  const issueUrl = `${repoApiUrl(core, repo)}/issues/${issue.number}`;
  const baseSha = pullBaseSha(repo, issue);
  const commits = commitsBetween(core.world, baseSha, pull.headSha);
  const diffBase = pullDiffBase(core, repo, issue);
  const changes = diffFiles(core.world.commitFiles(diffBase), core.world.commitFiles(pull.headSha));
  const mergeability = computeMergeability(core, repo, issue, options.consumeNullRead === true);
  const comments = [...repo.comments.values()].filter((c) => c.issueNumber === issue.number).length;
  const assignees = assigneesJson(core, issue);
  return {
    url: api,
    id: issue.id,
    node_id: nodeId("PullRequest", issue.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: userJson(core, issue.user),
    body: issue.body,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: assignees[0] ?? null,
    assignees,
    requested_reviewers: pull.requestedReviewers.map((login) => userJson(core, core.world.account(login))),
    requested_teams: [],
    labels: issueLabels(core, repo, issue),
    milestone: null,
    draft: pull.draft,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApiUrl(core, repo)}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${repoApiUrl(core, repo)}/statuses/${pull.headSha}`,
    head: branchSide(core, pull.headRepo, pull.headRef, pull.headSha),
    base: branchSide(core, repo, pull.baseRef, baseSha),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${repoApiUrl(core, repo)}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${repoApiUrl(core, repo)}/statuses/${pull.headSha}` },
    },
    author_association: authorAssociation(repo, issue.user.login),
    auto_merge: null,
    active_lock_reason: null,
    merged: pull.merged,
    mergeable: mergeability.mergeable,
    rebaseable: mergeability.rebaseable,
    mergeable_state: mergeability.mergeableState,
    merged_by: pull.mergedBy ? userJson(core, pull.mergedBy) : null,
    comments,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: commits.length,
    additions: changes.reduce((n, c) => n + c.additions, 0),
    deletions: changes.reduce((n, c) => n + c.deletions, 0),
    changed_files: changes.length - renamedPairs(core.world.commitFiles(diffBase), core.world.commitFiles(pull.headSha), changes),
  };
}

/** Removed and added files of identical content: GitHub counts (and lists) each pair as one rename. */
function renamedPairs(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>, changes: readonly { filename: string; status: string }[]): number {
  const removed = new Map<string, number>();
  for (const c of changes) if (c.status === "removed") removed.set(from[c.filename] as string, (removed.get(from[c.filename] as string) ?? 0) + 1);
  let pairs = 0;
  for (const c of changes) {
    const left = c.status === "added" ? (removed.get(to[c.filename] as string) ?? 0) : 0;
    if (left > 0) {
      removed.set(to[c.filename] as string, left - 1);
      pairs++;
    }
  }
  return pairs;
}

/** The short PR form used in check runs/suites (`pull_requests`). */
export function pullRefJson(core: Core, repo: RepoState, issue: IssueState): Json {
  const pull = issue.pull as NonNullable<IssueState["pull"]>;
  const repoRef = { id: repo.id, url: repoApiUrl(core, repo), name: repo.name };
  return {
    url: `${repoApiUrl(core, repo)}/pulls/${issue.number}`,
    id: issue.id,
    number: issue.number,
    head: { ref: pull.headRef, sha: pull.headSha, repo: repoRef },
    base: { ref: pull.baseRef, sha: pullBaseSha(repo, issue), repo: repoRef },
  };
}

/** Open same-repository PRs whose head is `sha` (fork PRs are left out, as on GitHub). */
export function pullsForCheck(core: Core, repo: RepoState, sha: string): Json[] {
  return [...repo.issues.values()]
    .filter((i) => i.pull && i.state === "open" && i.pull.headRepo === repo && i.pull.headSha === sha)
    .map((i) => pullRefJson(core, repo, i));
}

function gitUserJson(sig: { name: string; email: string; date: string }): Json {
  return { name: sig.name, email: sig.email, date: sig.date };
}

/** `GET /repos/{owner}/{repo}/git/commits/{sha}` shape. */
export function gitCommitJson(core: Core, repo: RepoState, commit: CommitObject): Json {
  const url = `${repoApiUrl(core, repo)}/git/commits/${commit.sha}`;
  return {
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    url,
    html_url: `${repoHtmlUrl(core, repo)}/commit/${commit.sha}`,
    author: gitUserJson(commit.author),
    committer: gitUserJson(commit.committer),
    tree: { sha: commit.tree, url: `${repoApiUrl(core, repo)}/git/trees/${commit.tree}` },
    message: commit.message,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${repoApiUrl(core, repo)}/git/commits/${sha}`,
      html_url: `${repoHtmlUrl(core, repo)}/commit/${sha}`,
    })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

/** `GET /repos/{owner}/{repo}/commits/{ref}` shape (optionally with `files`). */
export function commitJson(core: Core, repo: RepoState, commit: CommitObject, withFiles = false): Json {
  const api = `${repoApiUrl(core, repo)}/commits/${commit.sha}`;
  const account = (login: string | null) => (login ? userJson(core, core.world.account(login)) : null);
  const base: Json = {
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    commit: {
      author: gitUserJson(commit.author),
      committer: gitUserJson(commit.committer),
      message: commit.message,
      tree: { sha: commit.tree, url: `${repoApiUrl(core, repo)}/git/trees/${commit.tree}` },
      url: `${repoApiUrl(core, repo)}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
    url: api,
    html_url: `${repoHtmlUrl(core, repo)}/commit/${commit.sha}`,
    comments_url: `${api}/comments`,
    author: account(commit.authorLogin),
    committer: account(commit.committerLogin),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${repoApiUrl(core, repo)}/commits/${sha}`,
      html_url: `${repoHtmlUrl(core, repo)}/commit/${sha}`,
    })),
  };
  if (!withFiles) return base;
  const parent = commit.parents[0];
  const files = filesJson(core, repo, parent ? core.world.commitFiles(parent) : {}, core.world.commitFiles(commit.sha), commit.sha);
  const additions = files.reduce((n, f) => n + (f.additions as number), 0);
  const deletions = files.reduce((n, f) => n + (f.deletions as number), 0);
  return { ...base, stats: { total: additions + deletions, additions, deletions }, files };
}

export function filesJson(
  core: Core,
  repo: RepoState,
  from: Readonly<Record<string, string>>,
  to: Readonly<Record<string, string>>,
  ref: string,
): Json[] {
  return diffFiles(from, to).map((change) => {
    const content = to[change.filename] ?? from[change.filename] ?? "";
    const path = change.filename.split("/").map(encodeURIComponent).join("/");
    return {
      sha: core.world.putBlob(content),
      filename: change.filename,
      status: change.status,
      additions: change.additions,
      deletions: change.deletions,
      changes: change.additions + change.deletions,
      blob_url: `${repoHtmlUrl(core, repo)}/blob/${ref}/${path}`,
      raw_url: `${repoHtmlUrl(core, repo)}/raw/${ref}/${path}`,
      contents_url: `${repoApiUrl(core, repo)}/contents/${path}?ref=${ref}`,
    };
  });
}

/** Commit as it appears in push payloads (`commits[]`, `head_commit`). */
export function pushCommitJson(core: Core, repo: RepoState, commit: CommitObject): Json {
  const parent = commit.parents[0];
  const changes = diffFiles(parent ? core.world.commitFiles(parent) : {}, core.world.commitFiles(commit.sha));
  const person = (sig: { name: string; email: string }, login: string | null) => ({
    name: sig.name,
    email: sig.email,
    ...(login ? { username: login } : {}),
  });
  return {
    id: commit.sha,
    tree_id: commit.tree,
    distinct: true,
    message: commit.message,
    timestamp: commit.committer.date,
    url: `${repoHtmlUrl(core, repo)}/commit/${commit.sha}`,
    author: person(commit.author, commit.authorLogin),
    committer: person(commit.committer, commit.committerLogin),
    added: changes.filter((c) => c.status === "added").map((c) => c.filename),
    removed: changes.filter((c) => c.status === "removed").map((c) => c.filename),
    modified: changes.filter((c) => c.status === "modified").map((c) => c.filename),
  };
}

export function refJson(core: Core, repo: RepoState, ref: string, sha: string): Json {
  const isTag = core.world.tags.has(sha);
  const kind = isTag ? "tags" : "commits";
  return {
    ref,
    node_id: nodeId("Ref", `${repo.id}:${ref}`),
    url: `${repoApiUrl(core, repo)}/git/${ref}`,
    object: { sha, type: isTag ? "tag" : "commit", url: `${repoApiUrl(core, repo)}/git/${kind}/${sha}` },
  };
}

export function tagObjectJson(core: Core, repo: RepoState, tag: TagObject): Json {
  return {
    node_id: nodeId("Tag", tag.sha),
    tag: tag.tag,
    sha: tag.sha,
    url: `${repoApiUrl(core, repo)}/git/tags/${tag.sha}`,
    message: tag.message,
    tagger: gitUserJson(tag.tagger),
    object: { sha: tag.object, type: "commit", url: `${repoApiUrl(core, repo)}/git/commits/${tag.object}` },
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

export function checkSuiteJson(core: Core, repo: RepoState, suite: CheckSuite): Json {
  const runs = [...repo.checkRuns.values()].filter((r) => r.suiteId === suite.id);
  const head = core.world.commits.get(suite.headSha);
  return {
    id: suite.id,
    node_id: nodeId("CheckSuite", suite.id),
    head_branch: suite.headBranch,
    head_sha: suite.headSha,
    status: suite.status,
    conclusion: suite.conclusion,
    url: `${repoApiUrl(core, repo)}/check-suites/${suite.id}`,
    before: head?.parents[0] ?? null,
    after: suite.headSha,
    pull_requests: pullsForCheck(core, repo, suite.headSha),
    app: appJson(core, suite.app),
    repository: repoJson(core, repo),
    created_at: suite.createdAt,
    updated_at: suite.updatedAt,
    rerequestable: true,
    runs_rerequestable: true,
    latest_check_runs_count: runs.length,
    check_runs_url: `${repoApiUrl(core, repo)}/check-suites/${suite.id}/check-runs`,
    head_commit: head
      ? {
          id: head.sha,
          tree_id: head.tree,
          message: head.message,
          timestamp: head.committer.date,
          author: { name: head.author.name, email: head.author.email },
          committer: { name: head.committer.name, email: head.committer.email },
        }
      : null,
  };
}

export function checkRunJson(core: Core, repo: RepoState, run: CheckRun): Json {
  const url = `${repoApiUrl(core, repo)}/check-runs/${run.id}`;
  const suite = repo.checkSuites.get(run.suiteId);
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("CheckRun", run.id),
    head_sha: run.headSha,
    external_id: run.externalId ?? "",
    url,
    html_url: `${repoHtmlUrl(core, repo)}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: 0,
      annotations_url: `${url}/annotations`,
    },
    check_suite: suite ? checkSuiteJson(core, repo, suite) : { id: run.suiteId },
    app: appJson(core, run.app),
    pull_requests: pullsForCheck(core, repo, run.headSha),
    deployment: null,
  };
}

export function statusJson(core: Core, repo: RepoState, status: CommitStatus): Json {
  return {
    url: `${repoApiUrl(core, repo)}/statuses/${status.sha}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${status.creator.id}?v=4`,
    id: status.id,
    node_id: nodeId("StatusContext", status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
    creator: userJson(core, status.creator),
  };
}

export function commentJson(core: Core, repo: RepoState, comment: IssueComment): Json {
  const url = `${repoApiUrl(core, repo)}/issues/comments/${comment.id}`;
  const issue = repo.issues.get(comment.issueNumber);
  const kind = issue?.pull ? "pull" : "issues";
  return {
    url,
    html_url: `${repoHtmlUrl(core, repo)}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${repoApiUrl(core, repo)}/issues/${comment.issueNumber}`,
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    user: userJson(core, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: authorAssociation(repo, comment.user.login),
    body: comment.body,
    reactions: {
      url: `${url}/reactions`,
      total_count: 0,
      "+1": 0,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    performed_via_github_app: comment.viaApp ? appJson(core, comment.viaApp) : null,
  };
}

export function reviewJson(core: Core, repo: RepoState, review: Review): Json {
  const pullUrl = `${repoApiUrl(core, repo)}/pulls/${review.pullNumber}`;
  const html = `${repoHtmlUrl(core, repo)}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
  return {
    id: review.id,
    node_id: nodeId("PullRequestReview", review.id),
    user: userJson(core, review.user),
    body: review.body,
    commit_id: review.commitId,
    submitted_at: review.submittedAt ?? undefined,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: authorAssociation(repo, review.user.login),
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
  };
}

export function releaseJson(core: Core, repo: RepoState, release: Release): Json {
  const url = `${repoApiUrl(core, repo)}/releases/${release.id}`;
  return {
    url,
    assets_url: `${url}/assets`,
    upload_url: `https://uploads.github.com/repos/${repo.fullName}/releases/${release.id}/assets{?name,label}`,
    html_url: `${repoHtmlUrl(core, repo)}/releases/tag/${encodeURIComponent(release.tagName)}`,
    id: release.id,
    node_id: nodeId("Release", release.id),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    draft: release.draft,
    author: userJson(core, release.author),
    prerelease: release.prerelease,
    created_at: release.createdAt,
    published_at: release.publishedAt,
    assets: [],
    tarball_url: `${repoApiUrl(core, repo)}/tarball/${release.tagName}`,
    zipball_url: `${repoApiUrl(core, repo)}/zipball/${release.tagName}`,
    body: release.body,
  };
}

/** Keys GitHub leaves out of PR list items (`GET /pulls`, `GET /commits/{sha}/pulls`). */
const DETAIL_ONLY_KEYS = [
  "merged",
  "mergeable",
  "rebaseable",
  "mergeable_state",
  "merged_by",
  "comments",
  "review_comments",
  "maintainer_can_modify",
  "commits",
  "additions",
  "deletions",
  "changed_files",
];

export function pullListJson(core: Core, repo: RepoState, issue: IssueState): Json {
  const full = pullJson(core, repo, issue);
  for (const key of DETAIL_ONLY_KEYS) delete full[key];
  return full;
}
