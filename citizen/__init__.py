"""The patient's own door: patients, and the next of kin they choose, sign in with ID-porten
and see their plan, goals, meetings, messages and who has read their data. Built on top of
coordination and pathways; staff code never imports it."""
