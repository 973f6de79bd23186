// The navigator is open beside the page on wide screens; on narrow ones it folds into a bar
// that stays at the top, and folds again once a place in it was chosen.
"use strict";

(function () {
    const navigator = document.getElementById("navigator");
    if (!navigator) {
        return;
    }
    const narrow = window.matchMedia("(max-width: 991.98px)");
    function fit() {
        navigator.open = !narrow.matches;
    }
    fit();
    narrow.addEventListener("change", fit);
    navigator.addEventListener("click", function (event) {
        if (narrow.matches && event.target.closest("a")) {
            navigator.open = false;
        }
    });
})();
