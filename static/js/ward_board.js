/* Disclosure menus (details[data-menu], the ward board's row actions): Escape closes the
   open menu the focus is in and puts the focus back on its summary, before the page's own
   Escape (portal.js: closing a panel) sees the key. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !event.target.closest) {
      return;
    }
    var menu = event.target.closest("details[data-menu][open]");
    if (!menu) {
      return;
    }
    menu.open = false;
    menu.querySelector("summary").focus();
    event.preventDefault();
  }, true);
})();
