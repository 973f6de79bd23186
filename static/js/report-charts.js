// Draws each report chart from the figure JSON that the page carries in a data block, when it
// comes near the screen: a chart below the fold costs nothing until someone scrolls to it, so
// the page is usable sooner (and every chart is drawn before the page is printed).
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

    var charts = [];
    var drawn = [];
    document.querySelectorAll(".report-chart").forEach(function (el) {
        if (document.getElementById(el.getAttribute("data-figure"))) {
            charts.push(el);
        }
    });

    function draw(el) {
        if (drawn.indexOf(el) !== -1) {
            return;
        }
        var figure = JSON.parse(document.getElementById(el.getAttribute("data-figure")).textContent);
        Plotly.newPlot(el, figure.data, figure.layout, config());
        drawn.push(el);
    }

    if ("IntersectionObserver" in window) {
        var observer = new IntersectionObserver(function (entries) {
            entries.forEach(function (entry) {
                if (entry.isIntersecting) {
                    observer.unobserve(entry.target);
                    draw(entry.target);
                }
            });
        }, {rootMargin: "200px 0px"});
        charts.forEach(function (el) {
            observer.observe(el);
        });
    } else {
        charts.forEach(draw);
    }
    window.addEventListener("beforeprint", function () {
        charts.forEach(draw);
    });
    // Turning a tablet, or resizing a window, across the breakpoint.
    narrow.addEventListener("change", function () {
        drawn.forEach(function (el) {
            Plotly.react(el, el.data, el.layout, config());
        });
    });
}());
