"""One router per capability; each answer names the model version behind it."""
