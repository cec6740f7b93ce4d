"""WTForms form classes of the portal: accounts, applications, requests and their shared parts."""
