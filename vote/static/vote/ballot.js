// The vote page: the credential and the voting pass from the links' fragments (never sent anywhere), the choices,
// the ballot built and signed here (vote.js) after its credential's last ballot, a Benaloh audit on request, and the
// cast: only the finished ballot goes to the server.
"use strict";
(function () {
  const section = document.getElementById("ballot");
  if (!section) return;
  const V = window.VecheVote;
  const T = JSON.parse(document.getElementById("messages").textContent);
  const questions = JSON.parse(document.getElementById("questions").textContent);
  const input = document.getElementById("credential");
  const passInput = document.getElementById("pass");
  const outcome = document.getElementById("outcome");
  const prepared = document.getElementById("prepared");
  let current = null;

  const fragment = new URLSearchParams(location.hash.slice(1));
  // The election's fingerprint, as the mail's link names it: a page that would encrypt under another key (a server
  // that swapped it) is refused here, before anything is typed (issue 32).
  const named = fragment.get("election");
  const swapped = named !== null && named !== section.dataset.election;
  if (fragment.get("credential") || fragment.get("pass")) {
    if (fragment.get("credential")) input.value = fragment.get("credential");
    if (fragment.get("pass")) passInput.value = fragment.get("pass");
    history.replaceState(null, "", location.pathname + location.search);  // out of the address bar and history
    (input.value ? passInput : input).focus();  // the code the other mail brings
  }
  function say(text, cls) { outcome.textContent = text; outcome.className = cls || ""; }
  function picks() {
    return questions.map((q, qi) => [...section.querySelectorAll(`input[name=q${qi}]:checked`)].map((x) => Number(x.value)));
  }
  function forget() { current = null; prepared.hidden = true; }
  section.addEventListener("change", (event) => { if (event.target.name && event.target.name.startsWith("q")) forget(); });
  input.addEventListener("input", forget);
  passInput.addEventListener("input", forget);

  if (swapped) {
    say(T.swapped, "error");
    document.getElementById("prepare").disabled = true;
  }
  document.getElementById("prepare").addEventListener("click", async () => {
    if (swapped) { say(T.swapped, "error"); return; }
    let credential, pass;
    try { credential = V.normalCredential(input.value); } catch (e) { say(T.credential, "error"); input.focus(); return; }
    try { pass = V.normalCredential(passInput.value); } catch (e) { say(T.pass, "error"); passInput.focus(); return; }
    const chosen = picks();
    if (chosen.some((c, qi) => c.length < questions[qi].min || c.length > questions[qi].max)) { say(T.count, "error"); return; }
    say(T.working);
    const seed = V.credentialSeed(section.dataset.vote, credential);
    const passSeed = V.credentialSeed(section.dataset.vote, pass, "pass");
    // The credential's last ballot on the board, which this one names: the board takes no ballot signed before it.
    let previous;
    const mine = V.publicCredential(section.dataset.vote, credential);
    try {
      const response = await fetch(`${section.dataset.previous}?credential=${mine}`, { credentials: "same-origin" });
      previous = (await response.json()).previous;
      if (!response.ok || !/^[0-9a-f]{64}$/.test(previous)) throw new Error("previous");
    } catch (e) { say(T.offline, "error"); return; }
    // The receipt this browser kept of its last cast: if the credential's last ballot on the board is another one,
    // someone cast with this credential since (another device of the voter's, or whoever holds both codes).
    let foreign = false;
    try {
      const kept = JSON.parse(localStorage.getItem(`veche-receipt-${section.dataset.election}`) || "null");
      const ballot = kept && kept.entry && kept.entry.payload;
      foreign = Boolean(ballot && ballot.credential === mine && V.tracker(ballot) !== previous);
    } catch (e) { /* no receipt kept here */ }
    setTimeout(() => {
      const built = V.build(section.dataset.election, section.dataset.key, questions, chosen, seed, passSeed, previous);
      current = { ...built, choices: chosen };
      document.getElementById("tracker").textContent = V.tracker(built.ballot);
      prepared.hidden = false;
      document.getElementById("audit-record").hidden = true;
      if (foreign) say(T.foreign, "error"); else say("");
      prepared.scrollIntoView({ block: "nearest" });
    }, 20);
  });

  document.getElementById("audit").addEventListener("click", () => {
    if (!current) return;
    // The audited ballot leaves without its signature: whoever checks the audit (another device, anyone shown it)
    // must not be able to cast it (issue 32). It is forgotten here, never cast.
    const record = { ballot: V.unsigned(current.ballot), randomness: current.randomness, choices: current.choices };
    document.getElementById("audit-json").value = JSON.stringify(record);
    document.getElementById("audit-record").hidden = false;
    forget();  // an audited ballot is never cast: the next "encrypt" makes a new one
    document.getElementById("audit-record").scrollIntoView({ block: "nearest" });
  });

  document.getElementById("cast").addEventListener("click", async () => {
    if (!current) return;
    say(T.sending);
    let response;
    try {
      // From a copy on another host the ballot goes as text/plain: a simple request, no preflight; the server reads
      // the body as it came, whatever its type.
      const here = new URL(section.dataset.cast, location.href).origin === location.origin;
      response = await fetch(section.dataset.cast, {
        method: "POST", headers: { "Content-Type": here ? "application/json" : "text/plain" }, body: JSON.stringify(current.ballot), credentials: "same-origin",
      });
    } catch (e) { say(T.offline, "error"); return; }
    const data = await response.json().catch(() => ({}));
    if (response.status === 409 && data.errors && data.errors.previous) {
      forget(); say(T.overtaken, "error"); return;  // another ballot of this credential came first: build anew
    }
    if (response.status !== 201) { say(`${T.refused} ${data.detail || response.status}`, "error"); return; }
    const tracker = V.tracker(current.ballot);
    forget();
    outcome.className = "found";
    outcome.replaceChildren();
    const p = document.createElement("p");
    p.textContent = `${T.cast} ${data.entry.seq}. `;
    const a = document.createElement("a");
    a.href = `${section.dataset.board}?tracker=${tracker}`;
    a.textContent = T.find;
    p.append(a);
    const note = document.createElement("p");
    note.textContent = T.receipt;
    const receipt = document.createElement("textarea");
    receipt.readOnly = true; receipt.rows = 3; receipt.id = "receipt"; receipt.lang = "zxx";
    receipt.value = JSON.stringify(data);
    outcome.append(p, note, receipt);
    try { localStorage.setItem(`veche-receipt-${section.dataset.election}`, receipt.value); } catch (e) { /* private mode */ }
    outcome.scrollIntoView({ block: "nearest" });
  });
})();
