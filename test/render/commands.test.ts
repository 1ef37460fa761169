/** The refusal: short, its marker names the login (and cannot be closed by it), the login is inert. */
import fc from "fast-check";
import { refusalMarker, renderRefusal } from "../../src/render/commands.js";

it("names the command and the login, without a mention", () => {
  expect(renderRefusal("dave", "/backport")).toBe(
    "<!-- branch-steward:refused:dave -->\n@&#8203;dave: `/backport` is reserved for people with write access to this repository, so branch-steward did not run it. " +
      "A maintainer can run it for you. branch-steward will not answer your commands on this PR again.",
  );
});

it("escapes a hostile login in the text and keeps it from closing the marker", () => {
  const body = renderRefusal("x--><img src=x>@team_[a](b)", "/branch-steward recheck");
  const [marker, text] = body.split("\n") as [string, string];
  expect(marker).toBe("<!-- branch-steward:refused:x--%3E%3Cimg%20src%3Dx%3E%40team_%5Ba%5D(b) -->");
  expect(text.split(":")[0]).toBe("@&#8203;x\\-\\-\\>\\<img src=x\\>@&#8203;team\\_\\[a\\]\\(b\\)");
});

it("is one marker per login, case-insensitively, and distinct logins never share one", () => {
  expect(refusalMarker("Dave")).toBe(refusalMarker("dave"));
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (a, b) => {
      fc.pre(a.toLowerCase() !== b.toLowerCase());
      const [ma, mb] = [refusalMarker(a), refusalMarker(b)];
      expect(ma.startsWith(mb) || mb.startsWith(ma)).toBe(false); // found by startsWith: no prefix clash
      expect(ma.slice(4, -3)).not.toContain("-->");
    }),
  );
});

it("stays short, whatever the login", () => {
  fc.assert(fc.property(fc.string({ maxLength: 5000 }), (login) => expect(renderRefusal(login, "/backport").length).toBeLessThan(1200)));
});
