// The pipeline suite is being rewritten for the lifecycle.
