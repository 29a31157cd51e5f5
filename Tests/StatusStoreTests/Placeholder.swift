// The store suite is being rewritten for the lifecycle schema.
