// Answers save themselves: each criterion of the commitment page is sent on its own, as soon as
// it changes, to its JSON endpoint with the version it started from. Without this script the
// page is a normal form with a Save button; with it, that button stays as a last resort.
"use strict";

(function () {
    const form = document.querySelector("form[data-autosave]");
    if (!form) {
        return;
    }
    const FIELDS = ["level", "na_reason", "evidence", "evidence_links", "notes", "change_reason", "confidence"];
    const TYPING_PAUSE_MS = 900;
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const pageStatus = document.querySelectorAll("[data-page-status]");
    const hint = document.querySelector("[data-autosave-hint]");
    if (hint) {
        hint.hidden = false;
    }
    let submitting = false;
    const criteria = [];

    function field(c, name) {
        return form.elements.namedItem(c.prefix + "-" + name);
    }

    function valueOf(c, name) {
        const el = field(c, name);
        if (!el) {
            return null;
        }
        if (el instanceof RadioNodeList) {
            return el.value;
        }
        return el.value;
    }

    function payload(c) {
        const body = {version: Number(field(c, "version").value)};
        FIELDS.forEach(function (name) {
            const value = valueOf(c, name);
            if (value !== null) {
                body[name] = value;
            }
        });
        return body;
    }

    function say(c, text) {
        c.status.textContent = text;
    }

    function pageSay() {
        const unsaved = criteria.filter(function (c) { return c.unsaved(); }).length;
        pageStatus.forEach(function (status) {
            status.textContent = unsaved === 0
                ? "All changes saved."
                : unsaved + (unsaved === 1 ? " answer is" : " answers are") + " not saved yet.";
        });
    }

    function clearErrors(c) {
        c.section.querySelectorAll("[data-autosave-error]").forEach(function (el) { el.remove(); });
        c.section.querySelectorAll("[aria-invalid=true]").forEach(function (el) {
            el.removeAttribute("aria-invalid");
            el.classList.remove("is-invalid");
        });
    }

    function showErrors(c, errors) {
        clearErrors(c);
        Object.keys(errors).forEach(function (name) {
            const messages = errors[name].map(function (e) { return e.message; }).join(" ");
            const wrapper = c.section.querySelector("#div_id_" + c.prefix + "-" + name)
                || c.status;
            const note = document.createElement("div");
            note.className = "invalid-feedback d-block";
            note.setAttribute("data-autosave-error", "");
            note.id = "autosave-error-" + c.prefix + "-" + name;
            note.textContent = messages;
            wrapper.appendChild(note);
            const el = field(c, name);
            const inputs = el instanceof RadioNodeList ? Array.from(el) : (el ? [el] : []);
            inputs.forEach(function (input) {
                input.setAttribute("aria-invalid", "true");
                input.setAttribute("aria-describedby", note.id);
                if (!(el instanceof RadioNodeList)) {
                    input.classList.add("is-invalid");
                }
            });
        });
    }

    function navigatorSet(c, state, words) {
        document.querySelectorAll('[data-nav-criterion="' + c.code + '"]').forEach(function (link) {
            link.dataset.state = state;
            link.className = "state-" + state;
            const label = link.querySelector("[data-nav-words]");
            if (label) {
                label.textContent = words;
            }
        });
        const links = Array.from(document.querySelectorAll("[data-nav-criterion]"));
        const done = links.filter(function (l) {
            return l.dataset.state === "answered" || l.dataset.state === "na";
        }).length;
        document.querySelectorAll("[data-nav-progress]").forEach(function (bar) {
            bar.value = done;
            bar.textContent = Math.round(100 * done / Math.max(1, links.length)) + "%";
        });
        document.querySelectorAll("[data-nav-count]").forEach(function (count) {
            count.textContent = done + " of " + links.length + " done";
        });
        const commitment = document.querySelector('[data-nav-done="' + form.dataset.commitment + '"]');
        if (commitment) {
            const mine = Array.from(document.querySelectorAll(".is-current [data-nav-criterion]"));
            commitment.textContent = mine.filter(function (l) {
                return l.dataset.state === "answered" || l.dataset.state === "na";
            }).length;
        }
    }

    function stored(c, data) {
        field(c, "version").value = data.version;
        c.conflict.hidden = true;
        c.conflict.replaceChildren();
        if (data.state !== "confirm") {
            const carried = c.section.querySelector("[data-carried]");
            if (carried) {
                carried.remove();
                toConfirmSay();
            }
        }
        navigatorSet(c, data.state, data.words);
    }

    // The banner at the top counts what is still to confirm on the page.
    function toConfirmSay() {
        const left = form.querySelectorAll("[data-carried]").length;
        const banner = document.querySelector("[data-to-confirm-banner]");
        if (!banner) {
            return;
        }
        banner.hidden = left === 0;
        banner.querySelectorAll("[data-to-confirm-n]").forEach(function (n) {
            n.textContent = left;
        });
    }

    function describe(data) {
        const level = data.level === "na" ? "Not applicable" : (data.level ? "Level " + data.level : "No level");
        const parts = [["Level", level]];
        if (data.na_reason) { parts.push(["Reason not applicable", data.na_reason]); }
        parts.push(["Evidence", data.evidence || "—"]);
        parts.push(["Evidence links", data.evidence_links || "—"]);
        parts.push(["Notes", data.notes || "—"]);
        if (data.change_reason) { parts.push(["What changed", data.change_reason]); }
        const list = document.createElement("dl");
        list.className = "row mb-2";
        parts.forEach(function (p) {
            const dt = document.createElement("dt");
            dt.className = "col-sm-3";
            dt.textContent = p[0];
            const dd = document.createElement("dd");
            dd.className = "col-sm-9";
            dd.textContent = p[1];
            list.append(dt, dd);
        });
        return list;
    }

    function useTheirs(c, data) {
        const level = field(c, "level");
        if (level) {
            Array.from(level).forEach(function (r) { r.checked = r.value === String(data.level); });
        }
        FIELDS.forEach(function (name) {
            const el = field(c, name);
            if (el && !(el instanceof RadioNodeList)) {
                el.value = data[name] || "";
            }
        });
        stored(c, data);
        c.dirty = false;
        say(c, "Showing the version saved by " + (data.by || "someone else") + " at " + data.saved_at + ".");
        pageSay();
    }

    function showConflict(c, data) {
        c.theirs = data;
        c.conflict.replaceChildren();
        const heading = document.createElement("h3");
        heading.className = "h6";
        heading.textContent = "Someone else saved " + c.code.toUpperCase() + " while you were writing";
        const intro = document.createElement("p");
        intro.textContent = "Yours is kept in the fields above and is not saved. The version "
            + (data.by || "someone else") + " saved on " + data.at + ":";
        const mine = document.createElement("button");
        mine.type = "button";
        mine.className = "btn btn-danger btn-sm me-2";
        mine.textContent = "Save mine over theirs";
        mine.addEventListener("click", function () {
            field(c, "version").value = data.version;
            c.save();
        });
        const theirs = document.createElement("button");
        theirs.type = "button";
        theirs.className = "btn btn-outline-dark btn-sm";
        theirs.textContent = "Use theirs";
        theirs.addEventListener("click", function () { useTheirs(c, data); });
        c.conflict.append(heading, intro, describe(data), mine, theirs);
        c.conflict.hidden = false;
        navigatorSet(c, "conflict", "conflict");
        say(c, "Not saved: " + (data.by || "someone else") + " saved this criterion first. Choose which version to keep.");
        heading.tabIndex = -1;
    }

    async function send(url, options) {
        const response = await fetch(url, Object.assign({
            method: "POST",
            credentials: "same-origin",
            headers: {"X-CSRFToken": csrf, "Accept": "application/json"},
        }, options));
        const type = response.headers.get("Content-Type") || "";
        if (!type.includes("application/json")) {
            // A sign-in page or an error page: the session ended or the server failed.
            const error = new Error("not json");
            error.status = response.status;
            throw error;
        }
        return {status: response.status, data: await response.json()};
    }

    function trouble(error) {
        if (error && error.status === 503) {
            return "Not saved: the site cannot reach its database for a moment. Your text stays "
                + "here; it is sent again at your next change, or press Save.";
        }
        if (error && error.status === 403) {
            return "Not saved: you may no longer change this answer.";
        }
        if (error && error.status) {
            return "Not saved: you may have been signed out. Sign in again in another tab; "
                + "your text stays here.";
        }
        return "Not saved: no connection. It is sent again at your next change, or press Save.";
    }

    function Criterion(section) {
        const c = this;
        c.section = section;
        c.code = section.dataset.code;
        c.prefix = section.dataset.prefix;
        c.status = section.querySelector("[data-status]");
        c.conflict = section.querySelector("[data-conflict]");
        c.dirty = false;
        c.inFlight = null;
        c.again = false;
        c.timer = null;
        c.failed = false;
        c.theirs = null;

        c.unsaved = function () {
            return c.dirty || c.inFlight !== null || c.failed || !c.conflict.hidden;
        };

        c.save = async function () {
            clearTimeout(c.timer);
            if (c.inFlight) {
                c.again = true;
                return c.inFlight;
            }
            c.dirty = false;
            say(c, "Saving…");
            pageSay();
            c.inFlight = (async function () {
                try {
                    const result = await send(section.dataset.saveUrl, {
                        headers: {
                            "X-CSRFToken": csrf,
                            "Accept": "application/json",
                            "Content-Type": "application/json",
                        },
                        body: JSON.stringify(payload(c)),
                    });
                    c.failed = result.status !== 200;
                    if (result.status === 200) {
                        clearErrors(c);
                        stored(c, result.data);
                        say(c, (result.data.saved ? "Saved " : "Nothing changed; last saved ")
                            + result.data.saved_at + ".");
                    } else if (result.status === 409) {
                        showConflict(c, result.data.conflict);
                    } else if (result.data.errors) {
                        showErrors(c, result.data.errors);
                        say(c, "Not saved: correct the field marked above.");
                    } else {
                        say(c, trouble({status: result.status}));
                    }
                } catch (error) {
                    c.failed = true;
                    say(c, trouble(error));
                } finally {
                    c.inFlight = null;
                    pageSay();
                }
                if (c.again) {
                    c.again = false;
                    c.save();
                }
            })();
            return c.inFlight;
        };

        c.settle = async function () {
            while (c.inFlight || c.dirty) {
                await (c.inFlight || c.save());
            }
        };

        c.later = function () {
            c.dirty = true;
            pageSay();
            clearTimeout(c.timer);
            c.timer = setTimeout(c.save, TYPING_PAUSE_MS);
        };

        section.addEventListener("input", function (event) {
            if (event.target.form !== form) {
                return; // a comment box: its own form, posted by its own button
            }
            if (event.target.type === "file") {
                return;
            }
            if (event.target.tagName === "TEXTAREA") {
                c.later();
            }
        });
        section.addEventListener("change", function (event) {
            if (event.target.form !== form) {
                return;
            }
            if (event.target.type === "file") {
                c.upload(event.target);
                return;
            }
            if (FIELDS.some(function (name) { return event.target.name === c.prefix + "-" + name; })) {
                c.save();
            }
        });

        const confirm = section.querySelector("[data-confirm]");
        if (confirm) {
            confirm.addEventListener("click", async function (event) {
                event.preventDefault();
                try {
                    const result = await send(section.dataset.confirmUrl, {});
                    if (result.status === 200) {
                        stored(c, result.data);
                        say(c, "Confirmed unchanged at " + result.data.saved_at + ".");
                    } else {
                        say(c, "Not confirmed: " + result.data.errors.__all__.map(function (e) { return e.message; }).join(" "));
                    }
                } catch (error) {
                    say(c, trouble(error));
                }
            });
        }

        c.upload = async function (input) {
            const file = input.files[0];
            if (!file) {
                return;
            }
            const body = new FormData();
            body.append("file", file);
            say(c, "Uploading " + file.name + "…");
            const wrapper = c.section.querySelector("#div_id_" + c.prefix + "-file");
            wrapper.querySelectorAll("[data-autosave-error]").forEach(function (el) { el.remove(); });
            input.classList.remove("is-invalid");
            try {
                const result = await send(section.dataset.uploadUrl, {body: body});
                if (result.status === 201) {
                    input.value = "";
                    addFile(c, result.data);
                    say(c, "Added " + result.data.name + ".");
                } else {
                    const note = document.createElement("div");
                    note.className = "invalid-feedback d-block";
                    note.setAttribute("data-autosave-error", "");
                    note.id = "autosave-error-" + c.prefix + "-file";
                    note.textContent = result.data.error;
                    wrapper.appendChild(note);
                    input.classList.add("is-invalid");
                    input.setAttribute("aria-describedby", note.id);
                    input.value = "";
                    say(c, "Not added: " + result.data.error);
                }
            } catch (error) {
                say(c, trouble(error));
            }
        };
    }

    function removeButton(li, url, name) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-link btn-sm p-0 ms-2";
        button.textContent = "Remove";
        const hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " " + name;
        button.append(hidden);
        button.addEventListener("click", function () { remove(li, url); });
        return button;
    }

    async function remove(li, url) {
        try {
            const result = await send(url, {});
            if (result.status === 200) {
                const list = li.parentElement;
                li.remove();
                const heading = list.previousElementSibling;
                if (heading && !list.children.length) {
                    heading.hidden = true;
                }
            }
        } catch (error) {
            li.append(" " + trouble(error));
        }
    }

    function addFile(c, data) {
        const list = c.section.querySelector("[data-files]");
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = data.download;
        link.textContent = data.name;
        const size = document.createElement("span");
        size.className = "small text-body-secondary";
        size.textContent = " (" + Math.max(1, Math.round(data.size / 1024)) + " KB)";
        li.append(link, size, removeButton(li, data.remove, data.name));
        list.append(li);
        c.section.querySelector("[data-files-heading]").hidden = false;
    }

    form.querySelectorAll("section.criterion").forEach(function (section) {
        criteria.push(new Criterion(section));
    });
    form.dataset.commitment = (document.querySelector(".is-current [data-nav-done]") || {dataset: {}}).dataset.navDone || "";

    // Remove buttons of files listed when the page was drawn: their forms stay as the fallback.
    form.querySelectorAll("[data-remove]").forEach(function (button) {
        const li = button.closest("li");
        button.addEventListener("click", function (event) {
            event.preventDefault();
            remove(li, button.form.action);
        });
    });

    // Save with the button: first let every criterion's own save finish, so the page is
    // posted with the versions now stored and never collides with itself.
    form.addEventListener("submit", function (event) {
        if (submitting) {
            return;
        }
        const busy = criteria.filter(function (c) { return c.dirty || c.inFlight; });
        if (!busy.length) {
            submitting = true;
            return;
        }
        event.preventDefault();
        const submitter = event.submitter;
        Promise.all(busy.map(function (c) { return c.settle(); })).then(function () {
            submitting = true;
            form.requestSubmit(submitter);
        });
    });

    window.addEventListener("beforeunload", function (event) {
        if (submitting) {
            return;
        }
        if (criteria.some(function (c) { return c.unsaved(); })) {
            event.preventDefault();
            event.returnValue = "";
        }
    });

    // Leaving by a link: send what waits for a pause in typing first.
    document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") {
            criteria.filter(function (c) { return c.dirty; }).forEach(function (c) { c.save(); });
        }
    });
})();
