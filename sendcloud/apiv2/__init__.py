"""The one place that owns the SendCloud ``/apiv2/`` contract: envelope, parameters, auth, codes."""
