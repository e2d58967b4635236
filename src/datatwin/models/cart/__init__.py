"""The sequential CART family (``family="cart"``): one classification tree per column on the
columns before it, leaves publishing class distributions (never rows)."""

from datatwin.models.cart.family import Cart, CartFit, visit_order

__all__ = ["Cart", "CartFit", "visit_order"]
