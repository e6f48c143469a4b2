// Veche's lookup as a static page (lookup/mirror.py). Everything a voter
// types is matched here, in the browser, against data downloaded whole; no
// request depends on it. Before answering, the page follows the organisers'
// key chain (keys.json) from the root key it pins, as core/signing.py does,
// then checks the Ed25519 signature of the manifest, the SHA-512 of every
// data file and the signature of every recommendation list (tweetnacl), and
// refuses otherwise. It remembers the chain it saw (localStorage) and refuses
// a later copy whose chain drops or forks it.
//
// The address parser follows lookup/addresses.py step by step, with its
// word lists read from the page; a test compares the two on real queries.
"use strict";

const VOCAB = JSON.parse(document.getElementById("vocabulary").textContent);
const T = JSON.parse(document.getElementById("texts").textContent);
const ROOT = document.body.dataset.rootKey;
const EARTH_KM = 6371.0;
const WORD = "[\\p{L}\\p{N}_]";

// -- the address parser ------------------------------------------------------
function fold(text) {
  text = text.toLowerCase().replace(/ё/g, "е");
  text = text.replace(/[«»"“”„'`]/g, " ");
  text = text.replace(/[,;:()№#]/g, " ");
  return text.replace(/\s+/g, " ").trim();
}

function tokens(text) {
  text = fold(text);
  text = text.replace(/(^|\s)[вп]\.?\s?[ос]\.?(?=\s|$)/g, " ");
  text = text.replace(/(?<=[а-яa-z])\.(?=[а-я])/g, ". ");
  text = text.replace(new RegExp(`(\\d)([а-я])(?!${WORD})`, "gu"), "$1 $2");
  text = text.replace(new RegExp(`(?<!${WORD})(д|к|корп|лит|стр)\\.?(\\d)`, "gu"), "$1 $2");
  return text.split(" ").map((w) => w.replace(/^\.+|\.+$/g, "")).filter((w) => w);
}

function parse(text) {
  const address = { street: [], kind: "", house: null, house_to: null, korpus: "", litera: "" };
  if (!text) return address;
  const words = tokens(text.slice(0, VOCAB.max_length));
  const house = new Set(VOCAB.house), korpus = new Set(VOCAB.korpus), litera = new Set(VOCAB.litera);
  const building = new Set(VOCAB.building), place = new Set(VOCAB.place);
  let expect = null;
  for (const word of words) {
    const number = word.match(/^(\d{1,4})(?:([-/])(\d{1,4}))?$/);
    if (expect === "skip" && !house.has(word) && !korpus.has(word) && !litera.has(word)) continue;
    if (house.has(word)) expect = "house";
    else if (korpus.has(word)) expect = "korpus";
    else if (litera.has(word)) expect = "litera";
    else if (building.has(word)) expect = "skip";
    else if (number) {
      if (expect === "korpus" || (address.house !== null && expect === null && !address.korpus)) {
        address.korpus = number[1];
      } else if (address.house === null && (expect === "house" || address.street.length)) {
        address.house = parseInt(number[1], 10);
        if (number[2] === "/") address.korpus = number[3];
        else if (number[2] && parseInt(number[3], 10) > address.house) address.house_to = parseInt(number[3], 10);
      } else {
        address.street.push(number[1]);
      }
      expect = null;
    } else if (/^\d{1,3}-?(я|й|ая|ий|ый|ой|го)$/.test(word)) {
      address.street.push(word.match(/^\d+/)[0]);
    } else if (expect === "litera" || (word.length === 1 && address.house !== null && !address.litera
                                       && !(word in VOCAB.kinds))) {
      address.litera = word;
      expect = null;
    } else if (word in VOCAB.kinds) {
      address.kind = VOCAB.kinds[word];
    } else if (place.has(word)) {
      // where, not which street
    } else if (address.house === null) {
      address.street.push(word);
    }
  }
  return address;
}

// difflib.SequenceMatcher(None, a, b).ratio() for short words (no junk).
function ratio(a, b) {
  const where = {};
  [...b].forEach((ch, j) => { (where[ch] = where[ch] || []).push(j); });
  function longest(alo, ahi, blo, bhi) {
    let best = [alo, blo, 0], lengths = {};
    for (let i = alo; i < ahi; i++) {
      const next = {};
      for (const j of where[a[i]] || []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = next[j] = (lengths[j - 1] || 0) + 1;
        if (k > best[2]) best = [i - k + 1, j - k + 1, k];
      }
      lengths = next;
    }
    return best;
  }
  let matched = 0;
  const queue = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (k) {
      matched += k;
      if (alo < i && blo < j) queue.push([alo, i, blo, j]);
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
    }
  }
  return a.length + b.length ? 2 * matched / (a.length + b.length) : 1;
}

function similarity(a, b) {
  if (a === b) return 1;
  if (/^\d+$/.test(a) || /^\d+$/.test(b)) return 0;
  return ratio(a, b);
}

function streetSimilarity(query, street) {
  if (!query.length || !street.length) return 0;
  const best = [];
  for (const word of query) {
    const score = Math.max(...street.map((other) => similarity(word, other)));
    if (score < 0.75) return 0;
    best.push(score);
  }
  const covered = best.reduce((x, y) => x + y, 0) / best.length;
  return covered * 0.85 ** Math.max(0, street.length - query.length);
}

// -- matching against the region's data (as lookup/find.py does) ---------
let region = null, contests = {}, picks = {};
let map = null;  // the map of the region's stations (map.js), when Leaflet loaded

function answer(status, message, precinct, choices) { return { status, message, precinct, choices: choices || [] }; }

function byAddress(text) {
  const address = parse(text);
  if (!address.street.length) return answer("not_found", T.no_street);
  if (address.house === null) return answer("not_found", T.no_house);
  const keys = [...new Set(region.ranges.map((r) => [...r.words].sort().join(" ")))];
  const scored = keys.map((key) => [streetSimilarity(address.street, key.split(" ")), key]);
  const top = Math.max(0, ...scored.map(([s]) => s));
  if (top >= T.threshold) {
    const near = new Set(scored.filter(([s]) => s >= top - 0.02).map(([, k]) => k));
    let ranges = region.ranges.filter((r) => near.has([...r.words].sort().join(" ")));
    if (address.kind) {
      const kind = ranges.filter((r) => r.kind === "" || r.kind === address.kind);
      if (kind.length) ranges = kind;
    }
    const h = address.house;
    ranges = ranges.filter((r) => r.from <= h && h <= r.to && (r.parity === "all" || (h % 2 === 1) === (r.parity === "odd")));
    const ids = [...new Set(ranges.map((r) => r.precinct))];
    if (ids.length === 1) return answer("found", "", precinctById(ids[0]));
    if (ids.length > 1) return answer("choose", T.choose, null, ids.map(precinctById));
  }
  return matchVenues(address);
}

function matchVenues(address) {
  const scored = [];
  region.venues.forEach((venue, index) => {
    if (!venue.street.length || venue.house === null) return;
    const similar = streetSimilarity(address.street, venue.street);
    if (similar < T.threshold) return;
    if (address.street.every((w) => /^\d+$/.test(w)) && address.kind && venue.kind !== address.kind) return;
    let score = similar * 10;
    const last = venue.house_to || venue.house;
    if (venue.house <= address.house && address.house <= last) {
      score += 100;
      if (address.korpus || venue.korpus) score += address.korpus === venue.korpus ? 5 : -3;
      if (address.litera && address.litera === venue.litera) score += 2;
    }
    scored.push([score, index]);
  });
  if (!scored.length) return answer("not_found", T.not_found);
  scored.sort((x, y) => y[0] - x[0] || y[1] - x[1]);
  const top = scored[0][0];
  if (top < 100) {
    // Not placed (as lookup/find.py says): the street's stations, closest house numbers first.
    const near = scored.sort((x, y) => y[0] - x[0]
      || Math.abs(region.venues[x[1]].house - address.house) - Math.abs(region.venues[y[1]].house - address.house));
    const order = near.slice(0, 10).map(([, v]) => v);
    const found = region.precincts.filter((p) => order.includes(p.venue));
    found.sort((a, b) => order.indexOf(a.venue) - order.indexOf(b.venue));
    return answer("choose", T.not_placed, null, found);
  }
  const best = new Set(scored.filter(([s]) => s === top).map(([, v]) => v));
  const found = region.precincts.filter((p) => best.has(p.venue));
  return found.length === 1 ? answer("found", "", found[0]) : answer("choose", T.choose, null, found);
}

function byUik(text) {
  if (!/^\d{1,5}$/.test(text.trim())) return answer("not_found", T.bad_uik);
  const found = region.precincts.filter((p) => p.number === parseInt(text, 10));
  return found.length ? answer("found", "", found[0]) : answer("not_found", T.no_uik);
}

function byPoint(lat, lon) {
  const rad = Math.PI / 180;
  const km = (v) => {
    const a = Math.sin((v.lat - lat) * rad / 2) ** 2
      + Math.cos(lat * rad) * Math.cos(v.lat * rad) * Math.sin((v.lon - lon) * rad / 2) ** 2;
    return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
  };
  const near = region.venues.map((v, i) => [v.lat === null ? Infinity : km(v), i]).filter(([d]) => isFinite(d))
    .sort((x, y) => x[0] - y[0]).slice(0, 5);
  if (!near.length) return answer("not_found", T.not_found);
  const distance = new Map(near.map(([d, i]) => [i, d]));
  const choices = region.precincts.filter((p) => distance.has(p.venue))
    .sort((x, y) => distance.get(x.venue) - distance.get(y.venue) || x.number - y.number)
    .map((p) => ({ ...p, km: distance.get(p.venue) }));
  const first = choices.filter((p) => p.venue === near[0][1]);
  if (first.length === 1) return answer("found", "", first[0], choices);
  return answer("choose", T.nearest, null, choices);
}

function precinctById(id) { return region.precincts.find((p) => p.id === id); }

// -- showing the answer --------------------------------------------------------
function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function show(result) {
  const box = document.getElementById("answer");
  box.replaceChildren();
  if (result.message) box.append(el("p", result.message, result.status === "not_found" ? "error" : "note"));
  if (result.precinct) box.append(...precinctView(result.precinct));
  const venue = result.precinct && region.venues[result.precinct.venue];
  if (map && venue && venue.lat !== null) map.pin(venue.lat, venue.lon);
  if (result.status === "choose") {
    const list = el("ul");
    for (const p of result.choices) {
      const item = el("li");
      const button = el("button", `${T.uik} №${p.uik}`);
      button.type = "button";
      button.addEventListener("click", () => show(answer("found", "", p)));
      const venue = region.venues[p.venue];
      item.append(button, ` ${venue ? venue.address : ""}${p.km !== undefined ? ` — ${p.km.toFixed(2)} ${T.km}` : ""}`);
      list.append(item);
    }
    box.append(list);
  }
  // As on the site: the answer may start below a phone's first screen; bring it into view and focus it.
  const start = box.firstElementChild;
  if (start) {
    start.setAttribute("tabindex", "-1");
    start.focus({ preventScroll: true });
    start.scrollIntoView({ block: "start" });
  }
}

function precinctView(p) {
  const venue = region.venues[p.venue];
  const out = [el("h2", `${T.uik} №${p.uik}`)];
  if (venue) out.push(el("p", [venue.name, venue.address].filter((x) => x).join(", ")));
  if (venue && venue.lat !== null) {
    const pin = el("a", `${venue.lat.toFixed(5)}, ${venue.lon.toFixed(5)}`);
    pin.href = `geo:${venue.lat.toFixed(5)},${venue.lon.toFixed(5)}`;  // the phone's own map app
    const line = el("p", "", "note");
    line.append(pin);
    out.push(line);
  }
  out.push(el("h3", T.ballot));
  for (const id of p.contests) {
    const contest = contests[id];
    if (!contest) continue;
    const section = el("section");
    section.append(el("h4", `${contest.election} — ${contest.area ? contest.area + ": " : ""}${contest.name}`));
    const pick = picks[id];
    if (pick) {
      section.append(el("p", pick.candidate ? `${T.smart}: ${pick.candidate.name} (${pick.candidate.party})` : T.no_pick, "pick"));
      const why = pick.source === "override" ? pick.reason
        : pick.candidate ? `${T.probability}: ${Number(pick.candidate.p_best).toFixed(2)}` : "";
      section.append(el("p", `${why} · ${T.version} ${pick.version}, ${pick.published.slice(0, 10)}`, "note"));
    } else if (contest.kind === "single_mandate" || contest.kind === "multi_mandate") {
      section.append(el("p", T.no_list, "note"));
    }
    if (contest.candidates.length) {
      const list = el("ul");
      for (const c of contest.candidates) list.append(el("li", `${c.name} — ${c.party || (c.self_nominated ? T.self : "")}`));
      section.append(list);
    }
    out.push(section);
  }
  return out;
}

// -- loading and checking the copy -------------------------------------------
const b64 = (s) => Uint8Array.from(atob(s.trim()), (c) => c.charCodeAt(0));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const text = new TextDecoder();

// -- political prisoners: where to write, and how (prisoners.json, signed like the rest) --------
const dmy = (iso) => iso.split("-").reverse().join(".");

// Today's date in a time zone, as YYYY-MM-DD (the prison's calendar counts a hunger strike's days).
function todayIn(zone) {
  try { return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date()); } catch (error) { return null; }
}

function showPrisoners(sheet) {
  document.getElementById("prisoners-as-of").textContent = T.as_of.replace("%(date)s", dmy(sheet.as_of));
  const list = document.getElementById("prisoner-list");
  for (const p of sheet.prisoners) {
    const card = el("article", undefined, "prisoner");
    card.append(el("h3", p.name));
    const facts = [p.status, p.term_end ? `${T.term_ends}: ${dmy(p.term_end)}` : ""].filter((x) => x);
    if (facts.length) card.append(el("p", facts.join("; ")));
    const today = todayIn(p.time_zone);
    if (p.strike_started && today && today >= p.strike_started) {
      const day = Math.round((Date.parse(today) - Date.parse(p.strike_started)) / 86400000) + 1;
      card.append(el("p", T.strike.replace("%(since)s", dmy(p.strike_started)).replace("%(d)s", day), "error pick"));
    }
    const address = el("address", [p.address, p.facility, p.write_to || p.name].filter((x) => x).join("\n"));
    address.lang = "ru";
    card.append(address);
    let there = null;
    try {
      there = new Intl.DateTimeFormat(document.documentElement.lang, { timeZone: p.time_zone, hour: "2-digit", minute: "2-digit" }).format(new Date());
    } catch (error) { /* an unknown zone: no clock */ }
    if (there) card.append(el("p", T.time_there.replace("%(there)s", there).replace("%(zone)s", p.time_zone), "note"));
    list.append(card);
  }
  for (const [id, rules] of [["how-to-send", sheet.how_to_send], ["what-not-to-write", sheet.what_not_to_write]]) {
    document.getElementById(id).replaceChildren(...rules.map((rule) => el("li", rule)));
  }
  document.getElementById("letter-template").textContent = sheet.template.replace("{name}", "…");
  document.getElementById("prisoners").hidden = false;
}

// A one-file bundle (lookup/mirror.py bundle: opened from file://, passed along in a messenger) holds every file as
// it was signed, as UTF-8 text; a folder served by a static server gives them by fetch.
const BUNDLE = document.getElementById("bundle");
const FILES = BUNDLE ? JSON.parse(BUNDLE.textContent) : null;

async function bytes(name) {
  if (FILES) {
    if (!Object.hasOwn(FILES, name)) throw new Error(`${name}: ${T.bad_file}`);
    return new TextEncoder().encode(FILES[name]);
  }
  const response = await fetch(name, { cache: "no-store" });
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// -- the organisers' key chain, as core/signing.py follows it ------------------
function followChain(keyring) {
  if (!keyring || keyring.format !== "veche-keyring/1" || keyring.root !== ROOT) throw new Error(T.bad_keys);
  const keys = [ROOT], status = { [ROOT]: "current" }, heads = [hex(nacl.hash(b64(ROOT)))];
  keyring.statements.forEach((statement, i) => {
    const payload = new TextEncoder().encode(statement.payload);
    const data = JSON.parse(statement.payload);
    const signer = status[data.signer];
    if (data.format !== "veche-key-statement/1" || data.seq !== i + 1 || data.previous !== heads[i]
        || !signer || signer === "revoked"
        || !nacl.sign.detached.verify(payload, b64(statement.signature), b64(data.signer))) throw new Error(T.bad_keys);
    if (data.type === "endorse" && signer === "current" && !(data.key in status)) {
      status[data.signer] = "retired";
      status[data.key] = "current";
      keys.push(data.key);
    } else if (data.type === "revoke" && data.key in status && status[data.key] !== "revoked"
               && keys.indexOf(data.signer) >= keys.indexOf(data.key)) {
      status[data.key] = "revoked";
    } else {
      throw new Error(T.bad_keys);
    }
    heads.push(hex(nacl.hash(payload)));
  });
  return { status, heads };
}

function signedBy(chain, payload, record) {
  const standing = record && chain.status[record.key];
  return Boolean(standing && standing !== "revoked"
                 && nacl.sign.detached.verify(payload, b64(record.signature), b64(record.key)));
}

// A browser that has seen the chain at some length refuses a copy whose chain is shorter (a revocation
// dropped) or differs up to that length (forked by someone holding a stolen key).
function remember(chain) {
  const slot = `veche-keys:${ROOT}`;
  let seen = null;
  try { seen = JSON.parse(localStorage.getItem(slot)); } catch (error) { return; }  // no storage: nothing to compare
  const length = chain.heads.length - 1;
  if (seen && (length < seen.length || chain.heads[seen.length] !== seen.head)) throw new Error(T.keys_changed);
  try { localStorage.setItem(slot, JSON.stringify({ length, head: chain.heads[length] })); } catch (error) { /* private mode */ }
}

// A copy past its expiry, or older than one this browser has seen (for the same root key and elections), is
// refused: a hostile mirror could otherwise serve a signed copy whose lists were replaced since.
function fresh(manifest) {
  const expires = Date.parse(manifest.expires);
  if (!Number.isInteger(manifest.version) || Number.isNaN(expires)) throw new Error(T.unversioned);
  if (expires < Date.now()) throw new Error(T.expired.replace("%(date)s", manifest.expires.slice(0, 10)));
  const slot = `veche-version:${ROOT}:${manifest.elections.map((e) => e.slug).sort().join(",")}`;
  let seen = 0;
  try { seen = Number(localStorage.getItem(slot)) || 0; } catch (error) { return; }  // no storage: the expiry alone
  if (manifest.version < seen) throw new Error(T.older);
  try { localStorage.setItem(slot, String(manifest.version)); } catch (error) { /* private mode */ }
}

async function start() {
  const status = document.getElementById("status");
  const form = document.getElementById("lookup");
  // The map draws the region's stations from the file already here; a click is answered here too.
  const box = document.getElementById("map");
  if (window.L) {
    map = vecheMap(box, { tiles: box.dataset.tiles, attribution: box.dataset.attribution,
      onPick: (lat, lon) => { if (region) show(byPoint(lat, lon)); } });
  }
  try {
    const raw = await bytes("manifest.json");
    const keyring = await bytes("keys.json");
    const chain = followChain(JSON.parse(text.decode(keyring)));
    remember(chain);
    let signature = null;
    try { signature = JSON.parse(text.decode(await bytes("manifest.sig"))); } catch (error) { throw new Error(T.no_signature); }
    if (!signedBy(chain, raw, signature)) throw new Error(T.bad_manifest);
    const manifest = JSON.parse(text.decode(raw));
    fresh(manifest);
    if (hex(nacl.hash(keyring)) !== manifest.files["keys.json"]) throw new Error(T.bad_file);
    const demo = (on) => { if (on) { const note = document.getElementById("demo"); note.textContent = T.demo; note.hidden = false; } };
    demo(manifest.demo);
    const verified = async (name) => {
      const body = await bytes(name);
      if (hex(nacl.hash(body)) !== manifest.files[name]) throw new Error(T.bad_file);
      return JSON.parse(text.decode(body));
    };
    contests = await verified("contests.json");
    const docs = [];
    for (const name of manifest.lists) {
      const list = await verified(name);
      const doc = JSON.parse(list.payload);
      if (!signedBy(chain, new TextEncoder().encode(list.payload), { key: list.public_key, signature: list.signature })
          || doc.version !== list.number || doc.election.slug !== list.election) throw new Error(T.bad_list);
      demo(doc.demo);
      docs.push(doc);
    }
    Object.assign(picks, listsInForce(docs));
    if (manifest.prisoners) showPrisoners(await verified(manifest.prisoners));
    const select = form.elements.region;
    for (const r of manifest.regions) select.append(new Option(r.name, r.file));
    const start = manifest.regions.find((r) => r.name === select.dataset.start);  // the site's region, if exported
    if (start) select.value = start.file;
    const load = async () => {
      status.textContent = T.loading;
      region = await verified(select.value);
      status.textContent = T.ready;
      if (map) map.venues(region.venues.map((v) => [v.lat, v.lon]));
    };
    select.addEventListener("change", () => load().catch(fail));
    await load();
    form.hidden = false;
  } catch (error) {
    fail(error);
  }

  function fail(error) {
    region = null;
    form.hidden = true;
    document.getElementById("answer").replaceChildren();
    status.textContent = error.message;
    status.className = "error";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();  // nothing is sent: the answer is computed here
    if (!region) return;
    const by = event.submitter ? event.submitter.value : "address";
    show(by === "uik" ? byUik(form.elements.uik.value) : byAddress(form.elements.address.value));
  });
  document.getElementById("locate").addEventListener("click", () => {
    if (!region || !navigator.geolocation) return show(answer("not_found", T.no_location));
    navigator.geolocation.getCurrentPosition(
      (pos) => show(byPoint(pos.coords.latitude, pos.coords.longitude)),
      () => show(answer("not_found", T.no_location)), { timeout: 10000 });
  });
}

window.vecheMirror = { parse, streetSimilarity, byAddress, byUik, byPoint };
start();
