// The picks in force from the signed versions of smart-voting lists, as the server folds them
// (core/signing.py in_force; a test runs both on the same documents). Per election, versions apply in their
// numbered order: one without a region replaces every pick of its election, one with a region replaces that
// region's picks alone, so a national list published a region at a time reads as one.
"use strict";

function listsInForce(docs) {
  const picks = {};
  const ordered = [...docs].sort((a, b) => a.version - b.version);
  for (const doc of ordered) {
    const scope = doc.region == null ? null : doc.region;
    for (const [id, row] of Object.entries(picks)) {
      if (row.election === doc.election.slug && (scope === null || row.region === scope)) delete picks[id];
    }
    for (const row of doc.recommendations) {
      picks[row.contest_id] = { ...row, election: doc.election.slug, version: doc.version, published: doc.published };
    }
  }
  return picks;
}
