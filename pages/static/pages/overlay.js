// Poll for an overlay that a worker is still rendering, then show it (no library).
(function () {
  var img = document.getElementById("overlay");
  if (!img || !img.dataset.status) return;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(img.dataset.status, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.ready) {
          img.src = s.url;
          var wait = document.getElementById("overlay-wait");
          if (wait) wait.remove();
        } else if (tries < 60) {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { if (tries < 60) setTimeout(poll, 4000); });
  }
  poll();
})();
