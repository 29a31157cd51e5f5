/// `/admin/assets/dashboard.js`: the only script, for live numbers. An element with
/// `data-live-root="/admin/api/…"` is refreshed every few seconds: each `data-live="a.b"`
/// inside it gets that value of the JSON. The pages are whole without it.
enum Script {
    static let text = """
        "use strict";
        (function () {
          var roots = document.querySelectorAll("[data-live-root]");
          if (!roots.length || !window.fetch) { return; }
          function pick(value, path) {
            return path.split(".").reduce(function (v, key) { return v == null ? v : v[key]; }, value);
          }
          function refresh(root) {
            var url = root.getAttribute("data-live-root");
            fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
              .then(function (response) { return response.ok ? response.json() : null; })
              .then(function (data) {
                if (!data) { return; }
                var scope = root.closest("main") || document;
                scope.querySelectorAll("[data-live]").forEach(function (element) {
                  var value = pick(data, element.getAttribute("data-live"));
                  if (value != null && element.textContent !== String(value)) { element.textContent = String(value); }
                });
              })
              .catch(function () { /* the next round tries again */ });
          }
          roots.forEach(function (root) {
            setInterval(function () { if (!document.hidden) { refresh(root); } }, 5000);
          });
        })();
        """
}
