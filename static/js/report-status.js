// Keeps a report's status and progress current while it is built; reloads when it is done.
(function () {
    "use strict";
    var box = document.getElementById("report-status");
    if (!box) {
        return;
    }
    var url = box.getAttribute("data-status-url");
    function set(field, value) {
        var el = box.querySelector('[data-field="' + field + '"]');
        if (!el) {
            return;
        }
        if (field === "progress") {
            el.value = value;
            el.parentElement.setAttribute("aria-valuenow", String(value));
        } else {
            el.textContent = value;
        }
    }
    function poll() {
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (response) { return response.json(); })
            .then(function (data) {
                set("label", data.label);
                set("progress", data.progress);
                set("percent", data.progress);
                set("step", data.step);
                if (data.status === "ready" || data.status === "failed") {
                    window.location.assign(data.page);
                } else {
                    window.setTimeout(poll, 1500);
                }
            })
            .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
}());
