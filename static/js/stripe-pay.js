// The card form of an order: Stripe's Payment Element; Stripe sends the payer back to the
// order's return page, which asks Stripe (not the browser) whether the payment succeeded.
(function () {
  "use strict";
  var form = document.querySelector(".js-card-form");
  if (!form || !window.Stripe) { return; }
  var stripe = window.Stripe(form.getAttribute("data-key"));
  var elements = stripe.elements({ clientSecret: form.getAttribute("data-secret") });
  elements.create("payment").mount(form.querySelector(".js-card-element"));
  var error = form.querySelector(".js-card-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    stripe.confirmPayment({
      elements: elements,
      confirmParams: { return_url: form.getAttribute("data-return") }
    }).then(function (result) {
      if (result.error) {
        error.textContent = result.error.message;
        error.hidden = false;
        form.querySelector("button").disabled = false;
      }
    });
  });
})();
