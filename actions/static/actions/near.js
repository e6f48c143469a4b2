// "Near me" and the map: the browser's location, or a click on the map, fills the form (rounded to about a
// kilometre); nothing is sent until the visitor presses the button.
(function () {
  function fill(lat, lon) {
    document.getElementById("lat").value = lat.toFixed(2);
    document.getElementById("lon").value = lon.toFixed(2);
  }
  var button = document.getElementById("here");
  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (where) {
        fill(where.coords.latitude, where.coords.longitude);
      });
    });
  }
  var box = document.getElementById("map");
  if (!box || !window.L || !window.vecheMap) return;  // without Leaflet: the list and the form
  var map = vecheMap(box, { tiles: box.dataset.tiles, attribution: box.dataset.attribution, zoom: 3, onPick: fill });
  var places = JSON.parse(document.getElementById("places-on-map").textContent);
  // Each place a dot with its name beside it: on a map with no background the names say where the dots are.
  places.forEach(function (p) {
    L.circleMarker([p[0], p[1]], { radius: 6, weight: 2, color: "#3d5a98", fillOpacity: 0.6, interactive: false })
      .bindTooltip(p[2], { permanent: true, direction: "right", className: "place-label" })
      .addTo(map.map);
  });
  if (places.length) {
    map.map.fitBounds(places.map(function (p) { return [p[0], p[1]]; }), { padding: [40, 40], maxZoom: 12 });
  }
  box.dataset.places = places.length;
})();
