// The plotly.js the pages load: its core and only the trace types our charts draw (the
// dashboard's and the report's), a quarter of the full bundle. Rebuilt by `make plotly`.
var Plotly = require("plotly.js/lib/core");

Plotly.register([
    require("plotly.js/lib/bar"),
    require("plotly.js/lib/box"),
    require("plotly.js/lib/heatmap"),
    require("plotly.js/lib/scatterpolar"),
]);

module.exports = Plotly;
