// Draws each report chart from the figure JSON that the page carries in a data block.
// On a narrow screen Plotly's mode bar (top right) has no room beside the title (top left)
// and its zoom and download buttons are of little use on a phone, so it is left out there;
// this also covers reports built before their figures kept a band for it above the title.
(function () {
    "use strict";
    if (typeof Plotly === "undefined") {
        return;
    }
    var narrow = window.matchMedia("(max-width: 767.98px)");

    function config() {
        return {responsive: true, displaylogo: false, displayModeBar: narrow.matches ? false : "hover"};
    }

    var drawn = [];
    document.querySelectorAll(".report-chart").forEach(function (el) {
        var data = document.getElementById(el.getAttribute("data-figure"));
        if (!data) {
            return;
        }
        var figure = JSON.parse(data.textContent);
        Plotly.newPlot(el, figure.data, figure.layout, config());
        drawn.push(el);
    });
    // Turning a tablet, or resizing a window, across the breakpoint.
    narrow.addEventListener("change", function () {
        drawn.forEach(function (el) {
            Plotly.react(el, el.data, el.layout, config());
        });
    });
}());
