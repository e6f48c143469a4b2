// A map to pick a point on, for the lookup page and its static mirror (Leaflet, bundled with the site).
//
// With no tile server (the default) the map has no background: the polling
// stations are drawn as dots, which is enough to find one's own district, and
// nothing is fetched from any other host. With a tile server configured
// (VECHE_TILE_URL), tiles come from that server alone; it then sees which
// area is viewed, so it should be one the organisers run or trust.
//
// vecheMap(element, {tiles, attribution, onPick}) returns {map, venues(points), pin(lat, lon)}.
window.vecheMap = function (element, options) {
  element.hidden = false;  // hidden until now: without Leaflet there is no map to show
  const note = document.getElementById("map-note");
  if (note) note.hidden = false;
  const map = L.map(element, { attributionControl: Boolean(options.tiles), zoomSnap: 0.5 });
  if (options.tiles) L.tileLayer(options.tiles, { attribution: options.attribution || "", maxZoom: 19 }).addTo(map);
  map.setView([options.lat || 59.94, options.lon || 30.31], options.zoom || 10);
  const renderer = L.canvas();
  const dots = L.layerGroup().addTo(map);
  let picked = null;
  let station = null;
  map.on("click", (event) => {
    const { lat, lng } = event.latlng.wrap();
    if (picked) picked.remove();
    picked = L.circleMarker([lat, lng], { radius: 7, color: "#a4000f", weight: 3, fill: false }).addTo(map);
    options.onPick(lat, lng);
  });
  element.vecheMap = map;  // for the browser tests
  return {
    map,
    venues(points) {
      dots.clearLayers();
      const located = points.filter(([lat, lon]) => lat !== null && lon !== null);
      for (const [lat, lon] of located) {
        L.circleMarker([lat, lon], { renderer, radius: 2.5, weight: 0, fillColor: "#3d5a98", fillOpacity: 0.8,
          interactive: false }).addTo(dots);
      }
      // Frame where most stations are: a few abroad (for citizens voting there) would shrink the city to a dot.
      const quantile = (values, p) => values.sort((a, b) => a - b)[Math.floor(p * (values.length - 1))];
      const lats = located.map((v) => v[0]);
      const lons = located.map((v) => v[1]);
      if (located.length) {
        map.fitBounds([[quantile(lats, 0.01), quantile(lons, 0.01)], [quantile(lats, 0.99), quantile(lons, 0.99)]],
          { padding: [8, 8], animate: false });
      }
      element.dataset.stations = located.length;  // drawn (the browser tests wait for it)
    },
    pin(lat, lon) {
      if (station) station.remove();
      station = L.circleMarker([lat, lon], { radius: 9, color: "#0b6b3a", weight: 3, fillColor: "#0b6b3a",
        fillOpacity: 0.35 }).addTo(map);
      // The station, and the point clicked if there was one, in view.
      const shown = picked ? [picked.getLatLng(), [lat, lon]] : [[lat, lon], [lat, lon]];
      map.fitBounds(shown, { padding: [24, 24], maxZoom: Math.max(map.getZoom(), 15) });
    },
  };
};
