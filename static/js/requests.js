// The Requests page: narrow the list as the user types (the form also works without script).
(function () {
  "use strict";
  var search = document.querySelector(".js-request-search");
  if (!search) { return; }
  search.addEventListener("input", function () {
    var needle = search.value.trim().toLowerCase();
    document.querySelectorAll(".request-group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll(".js-request-item").forEach(function (item) {
        item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) === -1;
        if (!item.hidden) { shown += 1; }
      });
      group.hidden = shown === 0;
    });
  });
})();
