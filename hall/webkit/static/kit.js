// hallq web kit: a little plain JavaScript, no framework.
// - a form with data-confirm asks before it posts (cancel a ticket, sign out).
// - an element with data-poll="URL" asks URL every data-every ms; when the answer's "go" is set,
//   the page opens it (the desk's card reader: a card swiped opens the citizen's tickets);
//   an answer's "html" (the server's own escaped fragment) replaces the element's content.
"use strict";
document.addEventListener("submit", function (event) {
  var ask = event.target.getAttribute("data-confirm");
  if (ask && !window.confirm(ask)) { event.preventDefault(); }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    var url = el.getAttribute("data-poll");
    var every = parseInt(el.getAttribute("data-every") || "1000", 10);
    function ask() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (answer && answer.go) { window.location.assign(answer.go); return; }
          if (answer && answer.text !== undefined) { el.textContent = answer.text; }
          if (answer && answer.html !== undefined) { el.innerHTML = answer.html; }
          window.setTimeout(ask, every);
        })
        .catch(function () { window.setTimeout(ask, every * 3); });
    }
    window.setTimeout(ask, every);
  });
});
