"""Rarely used per-tensor state, kept off the hot path, and the in-place version error text."""
from __future__ import annotations

import re


class Meta:
    """Hooks, retain_grad, the leaf's AccumulateGrad, view base and detach origin of a tensor."""

    __slots__ = ("hooks", "retains_grad", "accumulator", "base", "detached_from", "output_nr", "view_fns",
                 "view_version", "creation", "__weakref__")

    def __init__(self):
        self.hooks = None            # list of grad hooks registered with register_hook
        self.retains_grad = False
        self.accumulator = None      # weakref to the leaf's AccumulateGrad
        self.base = None             # the tensor this one is a view of (the root: never a view)
        self.detached_from = None    # weakref to the grad_fn this tensor was detached from
        self.output_nr = None        # which output of a multi-output grad_fn this tensor is
        self.view_fns = ()           # NumPy functions that make this view from its base's array
        self.view_version = 0        # the shared version when the view's grad_fn was last set
        self.creation = None         # how a view was made: None, "no_grad", "multi", "custom"
                                     # (PyTorch's CreationMeta; views of it inherit it)


def _describe(tensor_dtype, shape) -> str:
    dims = ", ".join(str(s) for s in shape)
    return f"[torch.{tensor_dtype._legacy} [{dims}]]" if shape else f"[torch.{tensor_dtype._legacy} []]"


def _op_name(node) -> str:
    """How PyTorch 2 names a node in this message: ExpBackward0 -> Exp, CopySlices by its C++ name."""
    name = node.name()
    return "torch::autograd::CopySlices" if name == "CopySlices" else re.sub(r"Backward\d*$", "", name)


def version_error(node, saved_tensor, now: int, expected: int) -> str:
    """PyTorch's message for a saved tensor that an in-place op changed before backward."""
    if saved_tensor is None:  # the node's own output was saved
        shape = node._out.shape if node._out is not None else getattr(node, "_out_shape", ())
        what = f"{_describe(node._out_dtype, shape)}, which is output 0 of {_op_name(node)},"
    else:
        what = _describe(saved_tensor._dtype, saved_tensor._data.shape)
        if saved_tensor._grad_fn is not None:
            what += f", which is output 0 of {_op_name(saved_tensor._grad_fn)},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what} is at version {now}; expected version {expected} instead. Hint: enable "
        "anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


_VIEW_RULES = {
    "multi": (" This view is the output of a function that returns multiple views. Such functions do not allow "
              "the output views to be modified inplace. You should replace the inplace operation by an "
              "out-of-place one."),
    "no_grad": (" Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code "
                "by moving both the view and the inplace either both inside the no_grad block (if you don't want "
                "the inplace to be tracked) or both outside (if you want the inplace to be tracked)."),
    "custom": (" This view was created inside a custom Function (or because an input was returned as-is) and the "
               "autograd logic to handle view+inplace would override the custom backward associated with the "
               "custom Function, leading to incorrect gradients. This behavior is forbidden. You can fix this by "
               "cloning the output of the custom Function."),
}


def view_rebase_message(view, indirect: bool) -> str:
    """PyTorch's refusal of an in-place change of a view made under no_grad, by a function with
    several view outputs, or by a custom Function: done to the view itself, or (``indirect``) to
    its base or another view, after which its grad_fn cannot be made again."""
    meta, fn = view._meta, view._grad_fn
    nr = meta.output_nr or 0
    what = "its base or another view of its base has been" if indirect else "is being"
    if meta.creation == "no_grad" or fn is None:
        prefix = (f"Output {nr} of {_op_name(fn)} is a view of a view which was created in" if fn is not None
                  else "A view was created in")
        head = f"{prefix} no_grad mode and {what} modified inplace with grad mode enabled."
    else:
        head = f"Output {nr} of {_op_name(fn)} is a view and {what} modified inplace."
    return head + _VIEW_RULES[meta.creation]
