// "Use my location": the browser's position fills the point form and submits
// it to this site only. Nothing else is sent anywhere.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("use-location");
  const form = document.getElementById("locate");
  const status = document.getElementById("locate-status");
  if (!button || !form) return;
  if (!("geolocation" in navigator)) { button.disabled = true; return; }
  button.addEventListener("click", () => {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition((pos) => {
      form.elements.lat.value = pos.coords.latitude.toFixed(5);
      form.elements.lon.value = pos.coords.longitude.toFixed(5);
      status.textContent = "";
      form.requestSubmit();
    }, (err) => { status.textContent = err.message; }, { timeout: 10000 });
  });
});
