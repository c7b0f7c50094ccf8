"""The KE's work: plan requests, coordinators and individual plans (built in a later issue)."""
