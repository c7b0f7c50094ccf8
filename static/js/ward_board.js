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

/* The board's poll (#board-poll) asks for the rows of the page shown. Its answer may arrive
   after the board it was sent from was replaced: the user turned the page or chose another
   ward, or a step brought the board back. That answer is about rows no longer shown (its
   countdowns, swapped out of band by id, would find no row and htmx would complain), so it
   is dropped; the new board's own poll asks again. htmx fires beforeSwap on the replaced
   board, detached from the document where no document listener hears it: the listener goes
   on the board itself when the poll leaves. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var poll = event.detail.elt;
    var board = event.detail.target;
    var xhr = event.detail.xhr;
    if (!poll || poll.id !== "board-poll" || !board) {
      return;
    }
    function dropIfReplaced(swap) {
      if (swap.detail.xhr !== xhr) {
        return;
      }
      board.removeEventListener("htmx:beforeSwap", dropIfReplaced);
      if (!board.isConnected) {
        swap.detail.shouldSwap = false;
      }
    }
    board.addEventListener("htmx:beforeSwap", dropIfReplaced);
  });
})();
