/* The staff login form: POST /auth/login, then on to the page that asked for a login. */
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.classList.add("hidden");
    try {
      await Talon.api("POST", "/auth/login", {
        username: form.username.value.trim(),
        password: form.password.value,
      });
      // The server only ever puts a local path here; check again before leaving the page.
      const next = new URL(Talon.config.next || "/", location.origin);
      location.href = next.origin === location.origin ? next.href : "/";
    } catch (err) {
      error.textContent = err.status === 401 ? Talon.t("login.failed") : err.message;
      error.classList.remove("hidden");
    }
  });
});
