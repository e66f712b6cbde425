// The axe-core run both browser checks use: WCAG 2.2 A and AA and best practice.
//
// Every rule checks every element, but only violations are listed: building axe's list of
// passing elements (a unique selector for each, then copied out of the page) grew faster
// than the page and cost far more than the checks (the report with its annex cut to
// 8,000 rows: 133 s with the passes listed, 43 s without).
export const AXE_OPTIONS = {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
  resultTypes: ["violations"],
};
