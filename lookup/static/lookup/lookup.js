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
