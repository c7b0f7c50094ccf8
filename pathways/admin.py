# Patients, next of kin and care relationships are not in the admin on purpose: patient data
# is reached only through views and the API that scope by care relationship and audit reads.
