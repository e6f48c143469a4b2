// "Use my location" and the map: the point fills the point form and is sent
// to this site only. Nothing else is sent anywhere.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("use-location");
  const form = document.getElementById("locate");
  const status = document.getElementById("locate-status");
  if (!button || !form) return;
  const ask = (lat, lon) => {
    form.elements.lat.value = lat.toFixed(5);
    form.elements.lon.value = lon.toFixed(5);
    form.requestSubmit();
  };
  if (!("geolocation" in navigator)) button.disabled = true;
  button.addEventListener("click", () => {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition((pos) => {
      status.textContent = "";
      ask(pos.coords.latitude, pos.coords.longitude);
    }, (err) => { status.textContent = err.message; }, { timeout: 10000 });
  });

  // The answer comes in below the form, often below the first screen of a phone: bring it into view and
  // move the focus to it (a screen reader reads it from there), so that the voter sees something happened.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "answer") return;
    const start = event.detail.target.querySelector(".answer-start");
    if (!start) return;
    start.focus({ preventScroll: true });
    start.scrollIntoView({ block: "start" });
  });
  // Copy, share and print the answer (the link names the precinct only).
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest(".share button");
    if (!button) return;
    const box = button.closest(".share");
    const action = button.dataset.action;
    if (action === "print") window.print();
    else if (action === "share") navigator.share({ url: box.dataset.url, title: document.title }).catch(() => {});
    else if (action === "copy" && navigator.clipboard) {
      navigator.clipboard.writeText(box.dataset.url).then(() => { box.querySelector("[data-copied]").hidden = false; });
    }
  });
  const showShare = () => {
    if (navigator.share) document.querySelectorAll('.share [data-action="share"]').forEach((b) => { b.hidden = false; });
  };
  document.body.addEventListener("htmx:afterSwap", showShare);
  showShare();

  const box = document.getElementById("map");
  if (!box || !window.L) return;
  const map = vecheMap(box, { tiles: box.dataset.tiles, attribution: box.dataset.attribution, onPick: ask });
  fetch(box.dataset.venues).then((r) => r.json()).then((data) => map.venues(data.venues));
  const pin = () => {
    const found = document.querySelector("#answer [data-lat]");
    if (found) map.pin(Number(found.dataset.lat), Number(found.dataset.lon));
  };
  document.body.addEventListener("htmx:afterSwap", pin);
  pin();
});
