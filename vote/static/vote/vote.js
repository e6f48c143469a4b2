// The vote's protocol in the browser: the same group, hashes, proofs, ballots and board rules as vote/group.py,
// vote/proofs.py, vote/ballots.py, vote/ceremony.py and vote/board.py, on the vendored @noble/curves (Ed25519's
// prime-order subgroup) and @noble/hashes. The voter's browser builds and signs the ballot with this file; the
// verifier page replays the board with it. The known-answer tests (vote/tests) run both on the same vectors.
"use strict";
(function (global) {
  const { ed25519, sha256, sha512 } = global.noble;
  const Point = ed25519.Point;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const DOMAIN = "veche-vote/1";
  const utf8 = (s) => new TextEncoder().encode(s);
  const ZERO = Point.ZERO;
  const G = Point.BASE;
  // Messages are the Python code's own msgids (vote/*.py), in the page's language when the page gives their
  // translations (vote.views.catalogue: a <script id="vote-catalogue"> JSON), in English otherwise (node, tests).
  function catalogue() {
    if (global.VECHE_CATALOGUE) return global.VECHE_CATALOGUE;
    const element = typeof document !== "undefined" && document.getElementById("vote-catalogue");
    global.VECHE_CATALOGUE = element ? JSON.parse(element.textContent) : {};
    return global.VECHE_CATALOGUE;
  }
  function M(msgid, params) {
    const text = catalogue()[msgid] || msgid;
    return text.replace(/%\((\w+)\)s/g, (_m, name) => String(params && name in params ? params[name] : ""));
  }
  const fail = (msgid, params) => { throw new Error(M(msgid, params)); };

  function bytesToHex(b) { return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""); }
  function hexToBytes(h) {
    if (typeof h !== "string" || h.length % 2 || !/^[0-9a-f]*$/.test(h)) throw new Error("not hex");
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  function leToNumber(b) { let n = 0n; for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) + BigInt(b[i]); return n; }
  function mod(n) { const r = n % L; return r < 0n ? r + L : r; }
  function scalarHex(n) {
    let v = mod(n); const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) { out[i] = Number(v & 255n); v >>= 8n; }
    return bytesToHex(out);
  }
  function scalar(text) {
    if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) fail("not a scalar: 64 hex digits expected");
    const v = leToNumber(hexToBytes(text));
    if (v >= L) fail("not a scalar: it is not below the group order");
    return v;
  }
  function point(text) {
    if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) fail("not a point: 64 lower-case hex digits expected");
    const outside = "not a point of the group (off the curve, of small order, or outside the subgroup)";
    let p;
    try { p = Point.fromHex(text); } catch (e) { fail(outside); }
    if (p.is0() || !p.isTorsionFree() || p.toHex() !== text) fail(outside);
    return p;
  }
  const hexof = (p) => p.toHex();
  const base = (s) => { s = mod(s); return s === 0n ? ZERO : G.multiply(s); };
  const mul = (s, p) => { s = mod(s); return s === 0n || p.is0() ? ZERO : p.multiplyUnsafe(s); };
  // A secret scalar (a ballot's randomness, a proof's nonce) times a point: noble's constant-time multiply, so that
  // the time it takes says nothing of the scalar (multiplyUnsafe is for public ones: checking, the verifier).
  const mulSecret = (s, p) => { s = mod(s); return s === 0n || p.is0() ? ZERO : p.multiply(s); };
  const total = (ps) => ps.reduce((a, p) => a.add(p), ZERO);
  function item(x) { return x instanceof Point ? x.toHex() : String(x); }
  function challenge(tag, ...items) {
    return mod(leToNumber(sha512(utf8([DOMAIN, tag, ...items.map(item)].join("|")))));
  }
  function randomScalar() {
    for (;;) { const s = mod(leToNumber(crypto.getRandomValues(new Uint8Array(64)))); if (s) return s; }
  }
  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
    }
    return JSON.stringify(value);
  }
  const sha256hex = (text) => bytesToHex(sha256(typeof text === "string" ? utf8(text) : text));

  // -- proofs (vote/proofs.py) -------------------------------------------------------------------
  function encrypt(key, m, r) { return [base(r), base(BigInt(m)).add(mulSecret(r, key))]; }
  function pairs(proof, n) {
    if (!Array.isArray(proof) || proof.length !== n) fail("a proof of %(branches)s branch(es) expected", { branches: n });
    return proof.map((p) => { if (!Array.isArray(p) || p.length !== 2) fail("each branch of a proof is [challenge, response]"); return [scalar(p[0]), scalar(p[1])]; });
  }
  function proveRange(context, key, alpha, beta, m, r, lo, hi) {
    const commitments = [], branches = [];
    const w = randomScalar();
    for (let v = lo; v <= hi; v++) {
      if (v === m) { commitments.push(base(w), mulSecret(w, key)); branches.push(null); }
      else {
        const c = randomScalar(), s = randomScalar();
        const shifted = beta.subtract(base(BigInt(v)));
        // The simulated branch: c and s are published with the proof, but which branch is simulated is the secret.
        commitments.push(base(s).add(mulSecret(c, alpha)), mulSecret(s, key).add(mulSecret(c, shifted)));
        branches.push([c, s]);
      }
    }
    const all = challenge("range", context, key, alpha, beta, lo, hi, ...commitments);
    const own = mod(all - branches.reduce((a, b) => a + (b ? b[0] : 0n), 0n));
    return branches.map((b) => b ? [scalarHex(b[0]), scalarHex(b[1])] : [scalarHex(own), scalarHex(w - own * r)]);
  }
  function inRange(context, key, alpha, beta, lo, hi, proof) {
    const ps = pairs(proof, hi - lo + 1), commitments = [];
    ps.forEach(([c, s], i) => {
      const shifted = beta.subtract(base(BigInt(lo + i)));
      commitments.push(base(s).add(mul(c, alpha)), mul(s, key).add(mul(c, shifted)));
    });
    return challenge("range", context, key, alpha, beta, lo, hi, ...commitments) === mod(ps.reduce((a, p) => a + p[0], 0n));
  }
  function knows(context, pub, proof) {
    const [[c, s]] = pairs(proof, 1);
    return challenge("pok", context, pub, base(s).add(mul(c, pub))) === c;
  }
  function equal(context, key, alpha, factor, proof) {
    const [[c, s]] = pairs(proof, 1);
    const a = base(s).add(mul(c, key)), b = mul(s, alpha).add(mul(c, factor));
    return challenge("decrypt", context, key, alpha, factor, a, b) === c;
  }

  // -- credentials and ballots (vote/ballots.py) ---------------------------------------------------
  const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  function normalCredential(text) {
    const c = String(text).replace(/[\s-]/g, "");
    if (c.length !== 24 || [...c].some((ch) => !ALPHABET.includes(ch))) throw new Error("credential");
    return c;
  }
  // A credential's seed, or (kind "pass") a voting pass's: the same alphabet, a seed under its own tag.
  function credentialSeed(voteId, credential, kind = "credential") { return sha256(utf8(`veche-vote/1|${kind}|${voteId}|${normalCredential(credential)}`)); }
  function publicCredential(voteId, credential, kind = "credential") { return bytesToHex(ed25519.getPublicKey(credentialSeed(voteId, credential, kind))); }
  const FORMAT = "veche-ballot/2";
  const FIRST = "0".repeat(64);  // the previous of a credential's first ballot
  const BODY = ["answers", "credential", "election", "format", "pass", "previous"];
  const implied = (q) => q.answers.length === 2 && q.min === 1 && q.max === 1;

  // The ballot, signed by the credential and by the voting pass; previous: the tracker of the credential's last
  // ballot on the board (FIRST if none), which the board requires, so no ballot signed earlier can follow this one.
  function build(election, keyHex, questions, picks, seed, passSeed, previous = FIRST) {
    const key = point(keyHex);
    const credential = bytesToHex(ed25519.getPublicKey(seed));
    const context = `${election}|${credential}`;
    const answers = [], randomness = [];
    questions.forEach((q, qi) => {
      const chosen = picks[qi];
      if (chosen.length < q.min || chosen.length > q.max) throw new Error("count");
      const rs = q.answers.map(() => randomScalar());
      const cts = rs.map((r, i) => encrypt(key, chosen.includes(i) ? 1 : 0, r));
      let proofs = cts.map(([a, b], i) => proveRange(context, key, a, b, chosen.includes(i) ? 1 : 0, rs[i], 0, 1));
      if (implied(q)) proofs = proofs.slice(0, 1);
      const alpha = total(cts.map((c) => c[0])), beta = total(cts.map((c) => c[1]));
      const overall = proveRange(context, key, alpha, beta, chosen.length, rs.reduce((a, r) => a + r, 0n), q.min, q.max);
      answers.push({ choices: cts.map(([a, b]) => [hexof(a), hexof(b)]), proofs, overall });
      randomness.push(rs.map(scalarHex));
    });
    const body = { format: FORMAT, election, credential, pass: bytesToHex(ed25519.getPublicKey(passSeed)), previous, answers };
    const raw = utf8(canonical(body));
    const signature = bytesToHex(ed25519.sign(raw, seed)), passSignature = bytesToHex(ed25519.sign(raw, passSeed));
    return { ballot: { ...body, signature, pass_signature: passSignature }, randomness };
  }
  const unsigned = (ballot) => Object.fromEntries(BODY.map((k) => [k, ballot[k]]));
  const tracker = (ballot) => sha256hex(canonical(ballot));

  function checkBallot(ballot, election, key, questions, signed = true) {
    const keysOf = (o) => { const k = Object.keys(o || {}).sort(); return k.some((x) => x.includes(",")) ? "\u0000" : k.join(","); };
    const isObject = (o) => o !== null && typeof o === "object" && !Array.isArray(o);
    if (signed && (!isObject(ballot) || keysOf(ballot) !== "answers,credential,election,format,pass,pass_signature,previous,signature")) fail("not a ballot: format, election, credential, pass, previous, answers and both signatures expected");
    if (!signed && (!isObject(ballot) || keysOf(ballot) !== BODY.join(","))) fail("an audited ballot holds format, election, credential, pass, previous and answers, and no signature: a signed one could still be cast");
    if (ballot.format !== FORMAT) fail("not a ballot of this version (%(format)s)", { format: FORMAT });
    if (ballot.election !== election) fail("the ballot is for another election (or another key of this one)");
    for (const k of ["credential", "pass"]) if (typeof ballot[k] !== "string" || !/^[0-9a-f]{64}$/.test(ballot[k])) fail("not a point: 64 lower-case hex digits expected");
    if (typeof ballot.previous !== "string" || !/^[0-9a-f]{64}$/.test(ballot.previous)) fail("the ballot's previous: 64 lower-case hex digits expected");
    if (signed) {
      const raw = utf8(canonical(unsigned(ballot)));
      for (const [name, signer] of [["signature", ballot.credential], ["pass_signature", ballot.pass]]) {
        const sig = ballot[name];
        const own = name === "signature";
        if (typeof sig !== "string" || !/^[0-9a-f]{128}$/.test(sig)) {
          if (own) fail("the ballot's signature: 128 lower-case hex digits expected");
          fail("the ballot's pass signature: 128 lower-case hex digits expected");
        }
        let good = false;
        try { good = ed25519.verify(hexToBytes(sig), raw, hexToBytes(signer), { zip215: false }); } catch (e) { good = false; }
        if (!good) {
          if (own) fail("the ballot's signature by its credential does not hold");
          fail("the ballot's signature by its voting pass does not hold");
        }
      }
    }
    if (!Array.isArray(ballot.answers) || ballot.answers.length !== questions.length) fail("one answer per question expected");
    const context = `${election}|${ballot.credential}`;
    return ballot.answers.map((answer, qi) => {
      const q = questions[qi], n = q.answers.length, at = { q: qi + 1 };
      if (keysOf(answer) !== "choices,overall,proofs") fail("question %(q)s: choices, proofs and overall expected", at);
      if (!Array.isArray(answer.choices) || answer.choices.length !== n) fail("question %(q)s: one ciphertext per answer expected", at);
      if (!Array.isArray(answer.proofs) || answer.proofs.length !== (implied(q) ? n - 1 : n)) fail("question %(q)s: the number of proofs is wrong", at);
      const within = (i, step) => {
        try { return step(); } catch (e) { return fail("question %(q)s, answer %(i)s: %(exc)s", { q: qi + 1, i: i + 1, exc: e.message }); }
      };
      const cts = answer.choices.map((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2) fail("question %(q)s, answer %(i)s: a ciphertext is [alpha, beta]", { q: qi + 1, i: i + 1 });
        return within(i, () => [point(pair[0]), point(pair[1])]);
      });
      answer.proofs.forEach((proof, i) => {
        if (!within(i, () => inRange(context, key, cts[i][0], cts[i][1], 0, 1, proof))) fail("question %(q)s, answer %(i)s: the proof that it encrypts 0 or 1 does not hold", { q: qi + 1, i: i + 1 });
      });
      const alpha = total(cts.map((c) => c[0])), beta = total(cts.map((c) => c[1]));
      let holds;
      try { holds = inRange(context, key, alpha, beta, q.min, q.max, answer.overall); } catch (e) { fail("question %(q)s: %(exc)s", { q: qi + 1, exc: e.message }); }
      if (!holds) fail("question %(q)s: the proof of the number of answers chosen does not hold", at);
      return cts;
    });
  }

  function audit(record, election, keyHex, questions) {
    const key = point(keyHex);
    if (!record || !record.ballot || !Array.isArray(record.randomness) || !Array.isArray(record.choices)) fail("an audit record holds ballot, randomness and choices");
    const cts = checkBallot(record.ballot, election, key, questions, false);
    return cts.map((row, qi) => {
      const chosen = record.choices[qi], rs = record.randomness[qi];
      if (!Array.isArray(rs) || rs.length !== row.length || !Array.isArray(chosen)) fail("question %(q)s: the randomness does not match the ciphertexts", { q: qi + 1 });
      row.forEach(([a, b], i) => {
        const [ea, eb] = encrypt(key, chosen.includes(i) ? 1 : 0, scalar(rs[i]));
        if (!ea.equals(a) || !eb.equals(b)) fail("question %(q)s, answer %(i)s: the ballot does not encrypt what it says", { q: qi + 1, i: i + 1 });
      });
      return [...chosen].sort((x, y) => x - y);
    });
  }

  global.VecheVote = {
    L, point, scalar, scalarHex, base, mul, total, challenge, canonical, sha256hex, hexToBytes, bytesToHex,
    encrypt, proveRange, inRange, knows, equal, build, tracker, checkBallot, audit, credentialSeed,
    publicCredential, normalCredential, implied, unsigned, FIRST, ZERO, Point, ed25519, utf8, M, fail,
  };
})(globalThis);
