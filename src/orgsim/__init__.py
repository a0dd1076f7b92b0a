"""orgsim: simulate B2B marketing and sales under different org structures."""
