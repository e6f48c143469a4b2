// "Near me": the browser's location fills the form; nothing is sent until the visitor presses the button.
(function () {
  var button = document.getElementById("here");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (where) {
      document.getElementById("lat").value = where.coords.latitude.toFixed(2);
      document.getElementById("lon").value = where.coords.longitude.toFixed(2);
    });
  });
})();
