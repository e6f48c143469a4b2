// The board's verifier in the browser: the walk of vote/board.py (verify), entry by entry, on vote.js. It runs on
// the site (/vote/SLUG/verify/) and in the exported folder any static host serves; it reads board.jsonl and
// keys.json beside it, checks the organisers' key chain from the root the page pins, and names each fault.
"use strict";
(function (global) {
  const V = global.VecheVote;
  const b64 = (s) => Uint8Array.from(atob(String(s)), (c) => c.charCodeAt(0));
  // Base64 of ``size`` bytes in its one spelling (padded, no spaces, no stray bits), as vote/ceremony.py exact_b64.
  function exactB64(text, size) {
    if (typeof text !== "string" || text.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return false;
    let bin;
    try { bin = atob(text); } catch (e) { return false; }
    return bin.length === size && btoa(bin) === text;
  }
  const isObject = (o) => o !== null && typeof o === "object" && !Array.isArray(o);
  const b64hex = (s) => V.bytesToHex(b64(s));
  const sha512hex = (bytes) => V.bytesToHex(global.noble.sha512(bytes));
  const GENESIS = "0".repeat(64);
  const fail = V.fail;
  const keysOf = (o) => { const k = Object.keys(o).sort(); return k.some((x) => x.includes(",")) ? "\u0000" : k.join(","); };
  // core/signing.py's fingerprint: the first 20 hex digits of the key's SHA-256, upper case, in groups of four.
  const fingerprint = (key) => V.sha256hex(b64(key)).slice(0, 20).toUpperCase().match(/.{4}/g).join(" ");

  function signatureValid(bytes, keyB64, sigB64) {
    if (!exactB64(keyB64, 32) || !exactB64(sigB64, 64)) return false;
    try { return V.ed25519.verify(b64(sigB64), bytes, b64(keyB64), { zip215: false }); } catch (e) { return false; }
  }

  // The organisers' key chain, as core/signing.py follows it.
  function followChain(keyring, root) {
    if (!keyring || keyring.format !== "veche-keyring/1" || keyring.root !== root) fail("the key chain does not start at the pinned root");
    const status = { [root]: "current" };
    let head = sha512hex(b64(root));
    const current = () => Object.keys(status).find((k) => status[k] === "current");
    keyring.statements.forEach((st, i) => {
      const seq = i + 1, data = JSON.parse(st.payload);
      if (V.canonical(data) !== st.payload || data.format !== "veche-key-statement/1") fail("Statement %(n)s of the key chain is malformed.", { n: seq });
      if (data.seq !== seq || data.previous !== head) fail("Statement %(n)s of the key chain is out of order: the chain was cut, reordered or forked.", { n: seq });
      if (!status[data.signer] || status[data.signer] === "revoked") fail("Statement %(n)s is signed by a key the chain does not trust.", { n: seq });
      if (!signatureValid(V.utf8(st.payload), data.signer, st.signature)) fail("Statement %(n)s of the key chain has a bad signature.", { n: seq });
      if (data.type === "endorse") {
        if (data.signer !== current() || status[data.key]) fail("Statement %(n)s: only the current key may name its successor.", { n: seq });
        status[data.signer] = "retired"; status[data.key] = "current";
      } else if (data.type === "revoke") {
        if (!status[data.key] || status[data.key] === "revoked") fail("Statement %(n)s revokes a key that is not in the chain or already revoked.", { n: seq });
        status[data.key] = "revoked";
      } else fail("Statement %(n)s of the key chain is malformed.", { n: seq });
      head = sha512hex(V.utf8(st.payload));
    });
    return status;
  }

  function signedDocument(payload, expected, what) {
    if (!isObject(payload) || keysOf(payload) !== "document,signature") fail("%(what)s: a signed document expected", { what });
    const document = payload.document, record = payload.signature;
    if (!isObject(document) || !isObject(record)) fail("%(what)s: a signed document expected", { what });
    if (record.key !== expected) fail("%(what)s: signed by a key the manifest does not name for it", { what });
    if (keysOf(record) !== "format,key,signature" || record.format !== "veche-signature/1") fail("%(what)s: a signed document expected", { what });
    if (!signatureValid(V.utf8(V.canonical(document)), expected, record.signature)) fail("%(what)s: the signature does not hold", { what });
    return document;
  }

  // vote/ceremony.py check_manifest, rule for rule.
  const MANIFEST_KEYS = ["board_key", "closes", "credential_authority", "demo", "description", "eligibility", "format", "id", "min_ballots", "opens", "questions", "registrar", "slug", "threshold", "title", "trustees"];
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  function checkManifest(m) {
    if (!isObject(m) || m.format !== "veche-vote/2") fail("not a vote manifest (%(format)s)", { format: "veche-vote/2" });
    const have = Object.keys(m);
    const wrong = [...have.filter((k) => !MANIFEST_KEYS.includes(k)), ...MANIFEST_KEYS.filter((k) => !own(m, k))].sort();
    ["closes", "description", "eligibility", "id", "opens", "slug", "title"].forEach((k) => { if (own(m, k) && typeof m[k] !== "string") wrong.push(k); });
    ["board_key", "credential_authority", "registrar"].forEach((k) => { if (own(m, k) && !exactB64(m[k], 32)) wrong.push(k); });
    if (own(m, "demo") && typeof m.demo !== "boolean") wrong.push("demo");
    if (wrong.length) fail("the manifest is incomplete or malformed (%(exc)s)", { exc: wrong.join(", ") });
    const t = m.threshold, trustees = m.trustees;
    if (!Array.isArray(trustees) || !trustees.length || !Number.isInteger(t) || t < 1 || t > trustees.length) fail("the manifest needs trustees and a threshold between 1 and their number");
    trustees.forEach((x) => {
      if (!isObject(x) || keysOf(x) !== "key,name" || typeof x.name !== "string") fail("each trustee is a name and a key");
      if (!exactB64(x.key, 32)) fail("a trustee's key in the manifest is not an Ed25519 key");
    });
    if (new Set(trustees.map((x) => x.key)).size !== trustees.length) fail("two trustees share a key");
    if (m.registrar === m.credential_authority) fail("the registrar and the credential authority must be two parties with two keys");
    if (!Number.isInteger(m.min_ballots) || m.min_ballots < 1) fail("the manifest's fewest ballots to decrypt is a whole number from 1");
    if (!Array.isArray(m.questions) || !m.questions.length) fail("the manifest has no question");
    m.questions.forEach((q) => {
      if (!isObject(q) || keysOf(q) !== "answers,max,min,question") fail("each question needs its text and at least two answers");
      if (!Array.isArray(q.answers) || q.answers.length < 2 || typeof q.question !== "string" || !q.answers.every((a) => typeof a === "string")) fail("each question needs its text and at least two answers");
      if (!Number.isInteger(q.min) || !Number.isInteger(q.max) || !(0 <= q.min && q.min <= q.max && q.max <= q.answers.length)) fail("each question's bounds: 0 <= min <= max <= the number of answers");
    });
    return m;
  }
  const shareCommitment = (cs, j) => V.total(cs.map((c, k) => V.mul(BigInt(j) ** BigInt(k), c)));
  const hexPair = (pair) => [V.Point.fromHex(pair[0]), V.Point.fromHex(pair[1])];

  function lagrange(j, indices) {
    let num = 1n, den = 1n;
    const m = (x) => ((x % V.L) + V.L) % V.L;
    for (const k of indices) if (k !== j) { num = m(num * BigInt(k)); den = m(den * BigInt(k - j)); }
    // den^-1 by Fermat
    let inv = 1n, b = den, e = V.L - 2n;
    while (e > 0n) { if (e & 1n) inv = m(inv * b); b = m(b * b); e >>= 1n; }
    return m(num * inv);
  }

  // One entry onto the state (vote/board.py apply); throws with the reason.
  function apply(s, entry, chainStatus) {
    const { kind, payload } = entry;
    if (!s.manifest && kind !== "manifest") fail("the board must begin with the vote's manifest");
    const trustees = s.manifest ? s.manifest.trustees : [];
    const mh = s.manifest ? V.sha256hex(V.canonical(s.manifest)) : "";
    if (kind === "manifest") {
      if (s.manifest) fail("a second manifest");
      if (!isObject(payload) || keysOf(payload) !== "manifest,signature") fail("the manifest entry holds the manifest and the organisers' signature");
      const m = checkManifest(payload.manifest), sig = payload.signature;
      if (!isObject(sig) || keysOf(sig) !== "format,key,signature" || sig.format !== "veche-signature/1" || !exactB64(sig.key, 32) || !exactB64(sig.signature, 64)) fail("the manifest's signature: %(exc)s", { exc: V.M("This is not a signature file made by the signing tool (veche-signature/1).") });
      if (chainStatus && (!chainStatus[sig.key] || chainStatus[sig.key] === "revoked")) fail("the manifest's signature: %(exc)s", { exc: V.M("The signature is by a key that is not in the organisers' key chain (%(f)s).", { f: fingerprint(sig.key) }) });
      if (!signatureValid(V.utf8(V.canonical(m)), sig.key, sig.signature)) fail("the manifest's signature: %(exc)s", { exc: V.M("The signature does not match this document: it was altered, or signed for another one.") });
      s.manifest = m; s.boardKey = m.board_key; s.signer = sig.key;
    } else if (kind === "deal") {
      if (s.accepted.size || s.key) fail("a deal after the trustees began accepting");
      const i = s.commitments.length + 1;
      if (i > trustees.length) fail("more deals than trustees");
      const d = signedDocument(payload, trustees[i - 1].key, V.M("trustee %(i)s's deal", { i }));
      if (d.format !== "veche-vote-deal/1" || d.election !== mh || d.trustee !== i) fail("the deal is not this trustee's for this election");
      if (!Array.isArray(d.commitments) || d.commitments.length !== s.manifest.threshold) fail("the deal must commit to exactly threshold coefficients");
      const cs = d.commitments.map(V.point);
      if (!V.knows(`${mh}|deal|${i}`, cs[0], d.proof)) fail("the proof of the deal's first coefficient does not hold");
      if (!Array.isArray(d.shares) || d.shares.length !== trustees.length) fail("the deal must carry one sealed share per trustee");
      s.commitments.push(cs);
    } else if (kind === "complaint") {
      // vote/board.py complain
      if (s.commitments.length !== trustees.length || s.key) fail("a complaint before every trustee dealt, or after the vote opened");
      const j = isObject(payload) && isObject(payload.document) ? payload.document.trustee : undefined;
      if (!Number.isInteger(j) || j < 1 || j > trustees.length || s.accepted.has(j)) fail("a complaint by no trustee, or by one who accepted");
      const d = signedDocument(payload, trustees[j - 1].key, V.M("trustee %(i)s's complaint", { i: j }));
      if (d.format !== "veche-vote-complaint/1" || d.election !== mh) fail("trustee %(index)s's complaint is not for this election", { index: j });
      const i = d.against;
      if (!Number.isInteger(i) || i < 1 || i > trustees.length || i === j) fail("a complaint against no other trustee");
      if (s.complaints.has(`${j}:${i}`)) fail("a second complaint by the same trustee against the same");
      if (d.board !== s.lastDeal) fail("trustee %(index)s complained of other deals than those on the board", { index: j });
      s.complaints.set(`${j}:${i}`, null);
    } else if (kind === "answer") {
      // vote/board.py answer
      if (s.key) fail("an answer to a complaint after the vote opened");
      const i = isObject(payload) && isObject(payload.document) ? payload.document.trustee : undefined;
      if (!Number.isInteger(i) || i < 1 || i > trustees.length) fail("an answer by no trustee");
      const d = signedDocument(payload, trustees[i - 1].key, V.M("trustee %(i)s's answer", { i }));
      if (d.format !== "veche-vote-answer/1" || d.election !== mh) fail("trustee %(index)s's answer is not for this election", { index: i });
      const to = d.to;
      if (!Number.isInteger(to) || s.complaints.get(`${to}:${i}`) !== null) fail("an answer to no complaint waiting for one");
      const value = V.scalar(d.share);
      if (!V.base(value).equals(shareCommitment(s.commitments[i - 1], to))) fail("the share trustee %(index)s revealed for trustee %(to)s does not match their commitments", { index: i, to });
      s.complaints.set(`${to}:${i}`, d.share);
    } else if (kind === "accept") {
      if (s.commitments.length !== trustees.length || s.key) fail("an acceptance before every trustee dealt, or after the vote opened");
      const j = payload.document && payload.document.trustee;
      if (!Number.isInteger(j) || j < 1 || j > trustees.length || s.accepted.has(j)) fail("an acceptance by no trustee, or a second one by the same");
      const d = signedDocument(payload, trustees[j - 1].key, V.M("trustee %(i)s's acceptance", { i: j }));
      const waiting = [...s.complaints.entries()].filter(([k, v]) => v === null && Number(k.split(":")[0]) === j).map(([k]) => Number(k.split(":")[1])).sort((a, b) => a - b);
      if (waiting.length) fail("trustee %(index)s's complaint against trustee %(i)s is not answered yet", { index: j, i: waiting[0] });
      if (d.format !== "veche-vote-accept/1" || d.election !== mh) fail("trustee %(index)s's acceptance is not for this election", { index: j });
      if (d.board !== s.lastDeal) fail("trustee %(index)s accepted other deals than those on the board", { index: j });
      if (d.verification_key !== V.total(s.commitments.map((cs) => shareCommitment(cs, j))).toHex()) fail("trustee %(index)s's verification key does not follow from the deals", { index: j });
      s.accepted.add(j);
    } else if (kind === "open") {
      if (s.accepted.size !== trustees.length || s.key) fail("the vote opened before every trustee accepted the key");
      const key = V.total(s.commitments.map((cs) => cs[0]));
      const fp = V.sha256hex(`veche-vote/1|election|${mh}|${key.toHex()}`);
      const vks = trustees.map((t, i) => V.total(s.commitments.map((cs) => shareCommitment(cs, i + 1))).toHex());
      if (V.canonical(payload) !== V.canonical({ public_key: key.toHex(), election: fp, verification_keys: vks })) fail("the election key or the verification keys are not those the deals give");
      s.key = key; s.fingerprint = fp; s.vks = vks.map((h) => V.Point.fromHex(h));
    } else if (kind === "credentials") {
      if (s.closed) fail("credentials added after the vote closed");
      const d = signedDocument(payload, s.manifest.credential_authority, V.M("the credentials"));
      if (d.format !== "veche-vote-credentials/1" || d.election !== mh) fail("the credentials are not for this election");
      if (d.batch !== s.batches + 1) fail("credential batches are numbered in order: %(batch)s expected", { batch: s.batches + 1 });
      const sorted = [...d.credentials].sort();
      if (!d.credentials.length || sorted.some((c, i) => c !== d.credentials[i])) fail("a batch lists its public credentials, sorted");
      if (!isObject(d.checks) || Object.values(d.checks).some((n) => !Number.isInteger(n) || n < 0)) fail("a batch counts its credentials by identity check");
      const counted = Object.values(d.checks).reduce((a, n) => a + n, 0);
      if (counted !== d.credentials.length) fail("the counts by identity check do not add up to the credentials listed");
      d.credentials.forEach((c) => { V.point(c); if (s.credentials.has(c)) fail("a credential is listed twice"); s.credentials.add(c); });
      if (new Set(d.credentials).size !== d.credentials.length) fail("a credential is listed twice");
      s.batches += 1;
    } else if (kind === "passes") {
      if (s.closed) fail("voting passes added after the vote closed");
      const d = signedDocument(payload, s.manifest.registrar, V.M("the voting passes"));
      if (d.format !== "veche-vote-passes/1" || d.election !== mh) fail("the voting passes are not for this election");
      if (d.batch !== s.passBatches + 1) fail("batches of voting passes are numbered in order: %(batch)s expected", { batch: s.passBatches + 1 });
      if (!Array.isArray(d.passes) || !d.passes.length || [...d.passes].sort().some((c, i) => c !== d.passes[i])) fail("a batch lists its public voting passes, sorted");
      d.passes.forEach((c) => V.point(c));
      if (new Set(d.passes).size !== d.passes.length || d.passes.some((c) => s.passes.has(c))) fail("a voting pass is listed twice");
      d.passes.forEach((c) => s.passes.add(c));
      s.passBatches += 1;
    } else if (kind === "ballot") {
      if (!s.key || s.closed) fail("a ballot while the vote is not open");
      const cts = V.checkBallot(payload, s.fingerprint, s.key, s.manifest.questions);
      const credential = payload.credential, pass = payload.pass, tracked = V.tracker(payload);
      // vote/board.py admit: both listed, bound to each other, the ballot new and following its credential's last.
      if (!s.credentials.has(credential)) fail("the ballot's credential is not on the credential authority's list");
      if (!s.passes.has(pass)) fail("the ballot's voting pass is not on the registrar's list");
      const bound = s.passOf.get(credential);
      if (bound === undefined && s.holder.has(pass)) fail("this voting pass has voted with another credential");
      if (bound !== undefined && bound !== pass) fail("this credential votes with another voting pass (the one of its first ballot)");
      if (s.trackers.has(tracked)) fail("this ballot is already on the board (entry %(seq)s): cast again, it would undo a re-vote", { seq: s.trackers.get(tracked) });
      const expected = s.latest.get(credential) || V.FIRST;
      if (payload.previous !== expected) fail("the ballot does not follow its credential's last ballot on the board (%(previous)s): one signed before a re-vote cannot be cast after it", { previous: expected === V.FIRST ? V.M("none") : expected.slice(0, 16) });
      s.last.set(credential, { seq: entry.seq, cts });
      s.latest.set(credential, tracked);
      s.passOf.set(credential, pass); s.holder.set(pass, credential);
      s.trackers.set(tracked, entry.seq);
      s.ballots += 1;
    } else if (kind === "close") {
      if (!s.key || s.closed) fail("the vote closed twice, or before it opened");
      s.closed = true;
    } else if (kind === "tally") {
      if (!s.closed || s.tally) fail("a tally before the vote closed, or a second one");
      const counted = [...s.last.values()].sort((a, b) => a.seq - b.seq).map((x) => x.cts);
      const tally = s.manifest.questions.map((q, qi) => q.answers.map((_a, ai) => [
        V.total(counted.map((c) => c[qi][ai][0])).toHex(), V.total(counted.map((c) => c[qi][ai][1])).toHex()]));
      if (V.canonical(payload) !== V.canonical({ ballots: counted.length, tally })) fail("the tally is not the product of the last ballot of each credential");
      s.tally = tally; s.counted = counted.length;
    } else if (kind === "partial") {
      if (!s.tally || s.result) fail("a partial decryption before the tally, or after the result");
      if (s.counted < s.manifest.min_ballots) fail("a partial decryption of %(n)s ballots, fewer than the manifest's %(min)s: no trustee decrypts it", { n: s.counted, min: s.manifest.min_ballots });
      const j = payload.document && payload.document.trustee;
      if (!Number.isInteger(j) || j < 1 || j > trustees.length || s.partials.has(j)) fail("a partial decryption by no trustee, or a second one by the same");
      const d = signedDocument(payload, trustees[j - 1].key, V.M("trustee %(i)s's decryption", { i: j }));
      if (d.format !== "veche-vote-partial/1" || d.election !== s.fingerprint || d.trustee !== j) fail("the partial decryption is not this trustee's for this election");
      if (!Array.isArray(d.factors) || !Array.isArray(d.proofs) || d.factors.length !== s.tally.length || d.proofs.length !== s.tally.length) fail("one row of factors and proofs per question expected");
      const factors = s.tally.map((row, qi) => {
        const fRow = d.factors[qi], pRow = d.proofs[qi];
        if (!Array.isArray(fRow) || !Array.isArray(pRow) || fRow.length !== row.length || pRow.length !== row.length) fail("question %(q)s: one factor and one proof per answer expected", { q: qi + 1 });
        return row;
      }).map((row, qi) => row.map((pair, ai) => {
        const alpha = V.Point.fromHex(pair[0]), f = V.point(d.factors[qi][ai]);
        if (alpha.is0() || !V.equal(`${s.fingerprint}|${j}`, s.vks[j - 1], alpha, f, d.proofs[qi][ai])) fail("question %(q)s, answer %(a)s: the proof of the partial decryption does not hold", { q: qi + 1, a: ai + 1 });
        return f;
      }));
      s.partials.set(j, factors);
    } else if (kind === "result") {
      if (!s.tally || s.result) fail("a result before the tally, or a second one");
      const t = s.manifest.threshold;
      if (s.counted && s.partials.size < t) fail("a result before enough trustees decrypted");
      const chosen = s.counted ? [...s.partials.keys()].sort((a, b) => a - b).slice(0, t) : [];
      const counts = s.tally.map((row, qi) => row.map((pair, ai) => {
        if (!s.counted) return 0;
        const shared = V.total(chosen.map((j) => V.mul(lagrange(j, chosen), s.partials.get(j)[qi][ai])));
        const target = V.Point.fromHex(pair[1]).subtract(shared);
        let cur = V.ZERO;
        for (let m = 0; m <= s.counted; m++) { if (cur.equals(target)) return m; cur = cur.add(V.Point.BASE); }
        fail("the decrypted count is not a number of ballots: the decryption is wrong");
      }));
      if (V.canonical(payload) !== V.canonical({ trustees: chosen, counts })) fail("the result is not what the tally and the trustees' decryptions give");
      s.result = counts;
    } else fail("an entry of unknown kind %(kind)s", { kind: JSON.stringify(String(kind).slice(0, 40)) });
  }

  function fresh() {
    return { manifest: null, boardKey: "", commitments: [], accepted: new Set(), complaints: new Map(), key: null, credentials: new Set(),
      batches: 0, passes: new Set(), passBatches: 0, passOf: new Map(), holder: new Map(), latest: new Map(),
      last: new Map(), trackers: new Map(), ballots: 0, closed: false, tally: null, counted: 0,
      partials: new Map(), result: null, head: GENESIS, length: 0, lastDeal: "" };
  }
  // A copy of a state to go on from (points are immutable: the containers are what apply changes).
  function copy(s) {
    return { ...s, commitments: [...s.commitments], accepted: new Set(s.accepted), complaints: new Map(s.complaints), credentials: new Set(s.credentials),
      passes: new Set(s.passes), passOf: new Map(s.passOf), holder: new Map(s.holder), latest: new Map(s.latest),
      last: new Map(s.last), trackers: new Map(s.trackers), partials: new Map(s.partials) };
  }

  // Lines onto a state, the first numbered ``offset``: the faults (one at most: what follows a broken entry cannot
  // be checked against it).
  function walk(s, lines, chainStatus, offset = 0) {
    const faults = [];
    for (let i = 0; i < lines.length; i++) {
      const n = i + offset;
      let line = lines[i];
      let entry = line && typeof line === "object" ? line.entry : undefined;
      let kind = (entry && typeof entry === "object" && typeof entry.kind === "string" && entry.kind) || "?";
      try {
        if (typeof line === "string") {  // a line of board.jsonl: canonical JSON only (vote/board.py parse_line)
          try { line = JSON.parse(line); } catch (e) { fail("a board line that is not JSON"); }
          if (V.canonical(line) !== lines[i]) fail("a board line not in its canonical form (sorted keys, no spaces)");
          entry = line && typeof line === "object" ? line.entry : undefined;
          kind = (entry && typeof entry === "object" && typeof entry.kind === "string" && entry.kind) || "?";
        }
        if (!line || typeof line !== "object" || Array.isArray(line) || keysOf(line) !== "entry,hash,signature") fail("not a board line: entry, hash and signature expected");
        if (!entry || typeof entry !== "object" || Array.isArray(entry) || keysOf(entry) !== "kind,payload,prev,seq") fail("not a board entry: seq, kind, payload and prev expected");
        if (entry.seq !== s.length) fail("entry number %(seq)s where %(n)s should be: entries were removed or added", { seq: entry.seq, n: s.length });
        if (entry.prev !== s.head) fail("it does not follow the entry before it (the chain's hash is broken)");
        const raw = V.utf8(V.canonical(entry));
        if (line.hash !== V.sha256hex(raw)) fail("its hash is not the hash of its content: it was altered");
        const key = s.boardKey || (entry.seq === 0 && entry.payload && entry.payload.manifest ? entry.payload.manifest.board_key : "");
        if (!key || !signatureValid(raw, key, line.signature)) fail("the board's signature of it does not hold");
        apply(s, entry, chainStatus);
      } catch (error) {
        faults.push(V.M("entry %(n)s (%(kind)s): %(why)s", { n, kind, why: error.message }));
        break;
      }
      s.head = line.hash; s.length += 1;
      if (kind === "deal") s.lastDeal = line.hash;
    }
    return faults;
  }

  // The whole board: {state, faults}. Each fault names its entry, as vote_verify does.
  function verifyBoard(lines, chainStatus) {
    const s = fresh();
    return { state: s, faults: walk(s, lines, chainStatus) };
  }

  global.VecheVerify = { verifyBoard, followChain };
  global.VecheTests = {
    check(V, input) { try { V.checkBallot(input.ballot, input.election, V.point(input.key), input.questions); return { ok: true }; } catch (e) { return { ok: false, error: e.message }; } },
    build(V, input) { return V.build(input.election, input.key, input.questions, input.picks, V.credentialSeed(input.vote, input.credential), V.credentialSeed(input.vote, input.pass, "pass"), input.previous); },
    challenge(V, input) { return V.scalarHex(V.challenge(input.tag, ...input.items)); },
    credential(V, input) { return V.publicCredential(input.vote, input.credential, input.kind); },
    board(V, input) {
      const r = verifyBoard(input.lines, input.keyring ? followChain(input.keyring, input.root) : null);
      return { faults: r.faults, result: r.state.result, ballots: r.state.ballots };
    },
    // The differential fuzz (vote/tests/fuzz.py): the base board walked once, a copy of its state before each
    // line; each case's lines walked from the copy at its start. The faults of each case.
    fuzz(V, input) {
      const s = fresh(), before = [];
      input.base.forEach((line, i) => { before.push(copy(s)); if (walk(s, [line], null, i).length) throw new Error("the base board does not verify"); });
      before.push(copy(s));
      return input.cases.map((c) => walk(copy(before[c.start]), c.lines, null, c.start));
    },
  };
})(globalThis);

// The verifier page (site and static copy).
(function () {
  if (typeof document === "undefined") return;
  const root = document.getElementById("verifier");
  if (!root) return;
  const T = JSON.parse(document.getElementById("messages").textContent);
  const V = window.VecheVote, W = window.VecheVerify;
  const report = document.getElementById("report");
  let state = null;
  function line(text, cls) { const p = document.createElement("p"); p.textContent = text; if (cls) p.className = cls; return p; }
  document.getElementById("run").addEventListener("click", async () => {
    report.replaceChildren(line(T.working));
    try {
      const text = await (await fetch(root.dataset.board)).text();
      const lines = text.split("\n").filter((x) => x.trim());  // text: each line is taken in its canonical form only
      let chain = null;
      if (root.dataset.root) chain = W.followChain(await (await fetch(root.dataset.keys)).json(), root.dataset.root);
      setTimeout(() => {
        const r = W.verifyBoard(lines, chain);
        state = r.state;
        const out = [];
        if (r.faults.length) { out.push(line(T.faults, "fault")); r.faults.forEach((f) => out.push(line(f, "fault"))); }
        else out.push(line(T.ok, "ok"));
        out.push(line(`${r.state.length} ${T.entries}; ${r.state.ballots} ${T.ballots}; ${r.state.last.size} ${T.counted}`));
        if (r.state.result) {
          out.push(line(T.result + ":"));
          r.state.manifest.questions.forEach((q, qi) => out.push(line(`${q.question}: ` + q.answers.map((a, ai) => `${a} — ${r.state.result[qi][ai]}`).join("; "))));
        }
        report.replaceChildren(...out);
      }, 20);
    } catch (error) { report.replaceChildren(line(`${T.faults} ${error.message}`, "fault")); }
  });
  document.getElementById("find-go").addEventListener("click", () => {
    const found = document.getElementById("found");
    if (!state) { found.textContent = T.first; return; }
    const wanted = document.getElementById("find").value.replace(/\s/g, "").toLowerCase();
    const hit = wanted.length >= 8 && [...state.trackers.entries()].find(([t]) => t.startsWith(wanted));
    found.textContent = hit ? `${T.found} ${hit[1]}.` : T.missing;
  });
  document.getElementById("audit-go").addEventListener("click", () => {
    const out = document.getElementById("audited");
    if (!state || !state.key) { out.textContent = T.first; return; }
    try {
      const picks = V.audit(JSON.parse(document.getElementById("audit").value), state.fingerprint, state.key.toHex(), state.manifest.questions);
      out.textContent = `${T.audited} ` + state.manifest.questions.map((q, qi) => `${q.question}: ${picks[qi].map((i) => q.answers[i]).join(", ") || "—"}`).join("; ");
      out.className = "ok";
    } catch (error) { out.textContent = `${T.bad_audit} ${error.message}`; out.className = "fault"; }
  });
})();
