// Draws each report chart from the figure JSON that the page carries in a data block.
(function () {
    "use strict";
    if (typeof Plotly === "undefined") {
        return;
    }
    document.querySelectorAll(".report-chart").forEach(function (el) {
        var data = document.getElementById(el.getAttribute("data-figure"));
        if (!data) {
            return;
        }
        var figure = JSON.parse(data.textContent);
        Plotly.newPlot(el, figure.data, figure.layout, {responsive: true, displaylogo: false});
    });
}());
