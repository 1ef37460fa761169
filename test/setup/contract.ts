import { isDocumentedRequest, takeRecorded } from "../support/contract.js";

afterEach(() => {
  const undocumented = takeRecorded().filter((entry) => !isDocumentedRequest(entry));
  expect(undocumented).toEqual([]);
});
