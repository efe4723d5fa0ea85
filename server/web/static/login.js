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
      location.href = Talon.config.next || "/";
    } catch (err) {
      error.textContent = err.status === 401 ? Talon.t("login.failed") : err.message;
      error.classList.remove("hidden");
    }
  });
});
