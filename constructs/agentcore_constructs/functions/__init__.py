"""Lambda handlers the library deploys itself (each folder is one function's code root; standard library + boto3)."""
