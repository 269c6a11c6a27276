// The portal's own script, loaded from base.html (a file, never inline, for the CSP).
// Everything here is an enhancement: every page works without it.
(function () {
  "use strict";

  // GOV.UK Frontend's breakpoint between mobile and tablet (40.0625em).
  var small = window.matchMedia("(max-width: 40.0525em)");

  // Results first on a phone: fold the filters behind "Filter results"
  // (templates/includes/faceted_list.html). They render open, for no-JS visitors.
  document.querySelectorAll("details[data-fold-on-small-screens]").forEach(function (details) {
    if (small.matches) {
      details.open = false;
    }
  });

  // After filtering, the results heading takes focus, so its count is read out and
  // the next Tab goes through the results.
  var heading = document.querySelector("[data-focus-on-load]");
  if (heading) {
    heading.focus({ preventScroll: !small.matches });
  }
})();
