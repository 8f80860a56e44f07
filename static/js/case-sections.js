/* Case page sections: remember which ones a person folds away, and open the one a link
   points into. Without this script every section simply starts open. No dependencies. */
(function () {
  "use strict";

  function contents() {
    return document.querySelector("nav.case-contents[data-sections-url]");
  }

  function save() {
    var nav = contents();
    if (!nav || !window.fetch) return;
    var body = new URLSearchParams();
    document.querySelectorAll("details.case-section[data-section]").forEach(function (el) {
      if (!el.open) body.append("closed", el.getAttribute("data-section"));
    });
    window.fetch(nav.getAttribute("data-sections-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": nav.getAttribute("data-csrf") },
      body: body
    }).catch(function () { /* a preference only: nothing to tell the user */ });
  }

  function reveal(id) {
    if (!id) return;
    var target = document.getElementById(id);
    var el = target && target.closest("details.case-section");
    if (!el && target) el = target.querySelector("details.case-section");
    if (el && !el.open) el.open = true;  // the toggle event saves it
  }

  // toggle does not bubble: listen in the capture phase, so swapped content is covered too.
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (el.matches && el.matches("details.case-section")) save();
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) reveal(decodeURIComponent(link.getAttribute("href").slice(1)));
  });
  window.addEventListener("hashchange", function () {
    reveal(decodeURIComponent(window.location.hash.slice(1)));
  });
  document.addEventListener("DOMContentLoaded", function () {
    reveal(decodeURIComponent(window.location.hash.slice(1)));
  });
})();
