// A real OpenID Connect provider for the single sign-on tests (never served by the app).
// Built on the oidc-provider package; started by tests/oidc/conftest.py on loopback.
//
// Environment: OIDC_PORT, OIDC_CLIENTS (JSON list of {client_id, client_secret, redirect_uris}),
// OIDC_ACCOUNTS_FILE (JSON object: email -> {name, amr, acr, active}), read again on every
// request so that a test can deactivate someone while the provider runs.
//
// There is no login form: the person is the one named by the login_hint our sign-in page
// sends, as if they had typed their password (and second factor, per their amr) at the
// provider. A deactivated or unknown person is refused with access_denied, as Entra ID or
// Okta refuse a disabled account.
import { readFileSync } from "node:fs";
import http from "node:http";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accountsFile = process.env.OIDC_ACCOUNTS_FILE;
const accounts = () => JSON.parse(readFileSync(accountsFile, "utf8"));

const clients = JSON.parse(process.env.OIDC_CLIENTS).map((c) => ({
  ...c,
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
}));

const provider = new Provider(issuer, {
  clients,
  cookies: { keys: ["test-only-cookie-key"] },
  // acr and amr in every ID token, as Entra ID and Okta send them.
  claims: {
    openid: ["sub", "acr", "amr", "auth_time"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  acrValues: ["urn:test:pwd", "urn:test:mfa"],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts()[id];
    if (!account || account.active === false) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email ?? id, email_verified: true, name: account.name ?? id };
      },
    };
  },
  // Consent is not asked: the organization's admin registered our site as its own app.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

async function interaction(req, res) {
  try {
    const details = await provider.interactionDetails(req, res);
    const email = details.params.login_hint ?? "";
    const account = accounts()[email];
    let result;
    if (!account || account.active === false) {
      result = { error: "access_denied", error_description: "This account is disabled." };
    } else {
      result = {
        login: { accountId: email, amr: account.amr ?? ["pwd"], acr: account.acr ?? "urn:test:pwd" },
      };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
}

const callback = provider.callback();
http
  .createServer((req, res) => {
    if (req.url.startsWith("/interaction/")) return interaction(req, res);
    return callback(req, res);
  })
  .listen(port, "127.0.0.1", () => {
    process.stdout.write(`listening ${issuer}\n`);
  });
