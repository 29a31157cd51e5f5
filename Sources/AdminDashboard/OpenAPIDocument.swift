/// The OpenAPI 3.1 document of `/admin/api`, served at `/admin/api/openapi.json` and committed as
/// docs/admin-openapi.json (a test keeps the two equal and validates it).
enum OpenAPIDocument {
    static let text = #"""
    {
      "components": {
        "schemas": {
          "AuditPage": {
            "properties": {
              "entries": {
                "items": {
                  "properties": {
                    "action": {
                      "type": "string"
                    },
                    "at": {
                      "$ref": "#/components/schemas/Time"
                    },
                    "details": {
                      "type": "string"
                    },
                    "id": {
                      "type": "integer"
                    },
                    "reason": {
                      "type": "string"
                    },
                    "requestID": {
                      "type": "string"
                    },
                    "user": {
                      "type": "string"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "next": {
                "type": "integer"
              },
              "nextPageURL": {
                "type": "string"
              }
            },
            "required": [
              "entries"
            ],
            "type": "object"
          },
          "BulkRetry": {
            "properties": {
              "cap": {
                "type": "integer"
              },
              "created": {
                "$ref": "#/components/schemas/Time"
              },
              "createdBy": {
                "type": "string"
              },
              "filter": {
                "description": "the frozen filter",
                "type": "string"
              },
              "id": {
                "type": "string"
              },
              "isActive": {
                "type": "boolean"
              },
              "isPlanned": {
                "type": "boolean"
              },
              "planned": {
                "type": "integer"
              },
              "reason": {
                "type": "string"
              },
              "refused": {
                "type": "integer"
              },
              "retried": {
                "type": "integer"
              },
              "sample": {
                "items": {
                  "$ref": "#/components/schemas/RequestRow"
                },
                "type": "array"
              },
              "state": {
                "enum": [
                  "planned",
                  "running",
                  "cancelled",
                  "finished"
                ],
                "type": "string"
              }
            },
            "required": [
              "id",
              "state",
              "createdBy",
              "created",
              "reason",
              "filter",
              "cap",
              "planned",
              "retried",
              "refused",
              "sample"
            ],
            "type": "object"
          },
          "BulkRetryDetail": {
            "properties": {
              "items": {
                "items": {
                  "properties": {
                    "request": {
                      "type": "string"
                    },
                    "result": {
                      "type": "string"
                    },
                    "retry": {
                      "type": "string"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "operation": {
                "$ref": "#/components/schemas/BulkRetry"
              }
            },
            "required": [
              "operation",
              "items"
            ],
            "type": "object"
          },
          "Error": {
            "properties": {
              "error": {
                "type": "string"
              }
            },
            "required": [
              "error"
            ],
            "type": "object"
          },
          "Overview": {
            "properties": {
              "byStatus": {
                "additionalProperties": {
                  "type": "integer"
                },
                "type": "object"
              },
              "chainNote": {
                "type": "string"
              },
              "counts": {
                "items": {
                  "properties": {
                    "count": {
                      "type": "integer"
                    },
                    "status": {
                      "$ref": "#/components/schemas/Status"
                    },
                    "statusClass": {
                      "type": "string"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "failed": {
                "type": "integer"
              },
              "generated": {
                "$ref": "#/components/schemas/Time"
              },
              "lanes": {
                "items": {
                  "properties": {
                    "chainCheckedAge": {
                      "type": "string"
                    },
                    "chainLatestNonce": {
                      "type": "integer"
                    },
                    "chainPendingNonce": {
                      "type": "integer"
                    },
                    "chainProblem": {
                      "type": "string"
                    },
                    "gaps": {
                      "type": "integer"
                    },
                    "highestUnfinishedNonce": {
                      "type": "integer"
                    },
                    "leaseExpired": {
                      "type": "boolean"
                    },
                    "leaseExpires": {
                      "$ref": "#/components/schemas/Time"
                    },
                    "leaseOwner": {
                      "type": "string"
                    },
                    "lowestUnfinishedNonce": {
                      "type": "integer"
                    },
                    "nextNonce": {
                      "type": "integer"
                    },
                    "oldestUnfinished": {
                      "$ref": "#/components/schemas/Time"
                    },
                    "sender": {
                      "type": "string"
                    },
                    "stuck": {
                      "type": "boolean"
                    },
                    "unfinished": {
                      "type": "integer"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "oldestUnfinished": {
                "$ref": "#/components/schemas/RequestRow"
              },
              "partitions": {
                "items": {
                  "properties": {
                    "group": {
                      "type": "string"
                    },
                    "highWatermark": {
                      "type": "integer"
                    },
                    "lag": {
                      "type": "integer"
                    },
                    "owners": {
                      "type": "string"
                    },
                    "partition": {
                      "type": "integer"
                    },
                    "storedOffset": {
                      "type": "integer"
                    },
                    "topic": {
                      "type": "string"
                    },
                    "watermarkAge": {
                      "type": "string"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "passed": {
                "type": "integer"
              },
              "rates": {
                "items": {
                  "properties": {
                    "minutes": {
                      "type": "integer"
                    },
                    "stored": {
                      "type": "integer"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "storedInLast": {
                "additionalProperties": {
                  "type": "integer"
                },
                "type": "object"
              },
              "total": {
                "type": "integer"
              },
              "unfinished": {
                "type": "integer"
              }
            },
            "required": [
              "generated",
              "passed",
              "failed",
              "unfinished",
              "total",
              "counts",
              "byStatus",
              "rates",
              "storedInLast",
              "lanes",
              "partitions",
              "chainNote"
            ],
            "type": "object"
          },
          "RequestDetail": {
            "properties": {
              "accepted": {
                "$ref": "#/components/schemas/Time"
              },
              "attempts": {
                "items": {
                  "properties": {
                    "durationMS": {
                      "type": "integer"
                    },
                    "endpoint": {
                      "type": "string"
                    },
                    "error": {
                      "type": "string"
                    },
                    "errorClass": {
                      "type": "string"
                    },
                    "hash": {
                      "type": "string"
                    },
                    "number": {
                      "type": "integer"
                    },
                    "outcome": {
                      "description": "a lost answer (a timeout) is unknown: it may have landed",
                      "type": "string"
                    },
                    "started": {
                      "$ref": "#/components/schemas/Time"
                    },
                    "version": {
                      "type": "integer"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "audit": {
                "items": {
                  "properties": {
                    "action": {
                      "type": "string"
                    },
                    "at": {
                      "$ref": "#/components/schemas/Time"
                    },
                    "details": {
                      "type": "string"
                    },
                    "id": {
                      "type": "integer"
                    },
                    "reason": {
                      "type": "string"
                    },
                    "user": {
                      "type": "string"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              },
              "calldata": {
                "properties": {
                  "arguments": {
                    "items": {
                      "properties": {
                        "name": {
                          "type": "string"
                        },
                        "type": {
                          "type": "string"
                        },
                        "value": {
                          "type": "string"
                        }
                      },
                      "type": "object"
                    },
                    "type": "array"
                  },
                  "bytes": {
                    "type": "integer"
                  },
                  "decodeProblem": {
                    "type": "string"
                  },
                  "hex": {
                    "type": "string"
                  },
                  "selector": {
                    "type": "string"
                  },
                  "utf8": {
                    "type": "string"
                  }
                },
                "type": "object"
              },
              "canRetry": {
                "type": "boolean"
              },
              "chainHead": {
                "type": "integer"
              },
              "contract": {
                "type": "string"
              },
              "created": {
                "$ref": "#/components/schemas/Time"
              },
              "function": {
                "type": "string"
              },
              "giveUpReason": {
                "type": "string"
              },
              "id": {
                "format": "uuid",
                "type": "string"
              },
              "lastError": {
                "type": "string"
              },
              "messageType": {
                "type": "string"
              },
              "nonce": {
                "type": "integer"
              },
              "outcomeReason": {
                "type": "string"
              },
              "receipt": {
                "properties": {
                  "block": {
                    "type": "integer"
                  },
                  "blockHash": {
                    "type": "string"
                  },
                  "confirmations": {
                    "type": "integer"
                  },
                  "effectiveGasPrice": {
                    "type": "string"
                  },
                  "explorerURL": {
                    "type": "string"
                  },
                  "gasUsed": {
                    "type": "integer"
                  },
                  "hash": {
                    "type": "string"
                  },
                  "succeeded": {
                    "type": "boolean"
                  }
                },
                "type": "object"
              },
              "retriedAs": {
                "type": "string"
              },
              "retryOf": {
                "type": "string"
              },
              "retryable": {
                "type": "boolean"
              },
              "sender": {
                "type": "string"
              },
              "sourcePartition": {
                "type": "integer"
              },
              "sourceTopic": {
                "type": "string"
              },
              "status": {
                "$ref": "#/components/schemas/Status"
              },
              "statusClass": {
                "type": "string"
              },
              "updated": {
                "$ref": "#/components/schemas/Time"
              },
              "versions": {
                "items": {
                  "properties": {
                    "explorerURL": {
                      "type": "string"
                    },
                    "hash": {
                      "type": "string"
                    },
                    "kind": {
                      "enum": [
                        "original",
                        "replacement",
                        "cancellation"
                      ],
                      "type": "string"
                    },
                    "maxFeePerGas": {
                      "type": "string"
                    },
                    "maxPriorityFeePerGas": {
                      "type": "string"
                    },
                    "number": {
                      "type": "integer"
                    },
                    "signed": {
                      "$ref": "#/components/schemas/Time"
                    }
                  },
                  "type": "object"
                },
                "type": "array"
              }
            },
            "required": [
              "id",
              "messageType",
              "function",
              "sender",
              "contract",
              "nonce",
              "status",
              "calldata",
              "versions",
              "attempts",
              "audit",
              "canRetry",
              "retryable"
            ],
            "type": "object"
          },
          "RequestList": {
            "properties": {
              "next": {
                "description": "pass as after for the next page; absent on the last",
                "type": "string"
              },
              "rows": {
                "items": {
                  "$ref": "#/components/schemas/RequestRow"
                },
                "type": "array"
              },
              "searchedAs": {
                "type": "string"
              }
            },
            "required": [
              "rows"
            ],
            "type": "object"
          },
          "RequestRow": {
            "properties": {
              "attempts": {
                "minimum": 0,
                "type": "integer"
              },
              "created": {
                "$ref": "#/components/schemas/Time"
              },
              "id": {
                "format": "uuid",
                "type": "string"
              },
              "lastErrorClass": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "messageType": {
                "type": "string"
              },
              "nonce": {
                "minimum": 0,
                "type": "integer"
              },
              "sender": {
                "pattern": "^0x[0-9a-fA-F]{40}$",
                "type": "string"
              },
              "status": {
                "$ref": "#/components/schemas/Status"
              },
              "statusClass": {
                "enum": [
                  "passed",
                  "failed",
                  "pending"
                ],
                "type": "string"
              }
            },
            "required": [
              "id",
              "messageType",
              "sender",
              "nonce",
              "status",
              "statusClass",
              "attempts",
              "created"
            ],
            "type": "object"
          },
          "Status": {
            "enum": [
              "signed",
              "retrying",
              "unknown",
              "submitted",
              "replaced",
              "mined",
              "confirmed",
              "reverted",
              "failed"
            ],
            "type": "string"
          },
          "Time": {
            "properties": {
              "age": {
                "description": "how long ago, when answered",
                "type": "string"
              },
              "iso": {
                "format": "date-time",
                "type": "string"
              },
              "utc": {
                "description": "UTC, to the second",
                "type": "string"
              }
            },
            "required": [
              "iso",
              "utc",
              "age"
            ],
            "type": "object"
          }
        },
        "securitySchemes": {
          "session": {
            "description": "Set by POST /admin/login (named __Host-broadcaster_admin over TLS)",
            "in": "cookie",
            "name": "broadcaster_admin",
            "type": "apiKey"
          }
        }
      },
      "info": {
        "description": "The data of the admin dashboard as JSON. Every endpoint needs a session (the cookie POST /admin/login sets); without one it answers 401. Times are UTC.",
        "title": "Broadcaster admin API",
        "version": "1.0.0"
      },
      "openapi": "3.1.0",
      "paths": {
        "/admin/api/audit": {
          "get": {
            "operationId": "audit",
            "parameters": [
              {
                "description": "entries older than this entry number",
                "in": "query",
                "name": "before",
                "required": false,
                "schema": {
                  "minimum": 1,
                  "type": "integer"
                }
              }
            ],
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/AuditPage"
                    }
                  }
                },
                "description": "OK"
              },
              "400": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "before is not an entry number"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              }
            },
            "summary": "The audit, newest first"
          }
        },
        "/admin/api/bulk-retries": {
          "get": {
            "operationId": "bulkRetries",
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "items": {
                        "$ref": "#/components/schemas/BulkRetry"
                      },
                      "type": "array"
                    }
                  }
                },
                "description": "OK"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              },
              "403": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "The user is not an operator"
              }
            },
            "summary": "Bulk retry operations, newest first (operators)"
          }
        },
        "/admin/api/bulk-retries/{bulk}": {
          "get": {
            "operationId": "bulkRetry",
            "parameters": [
              {
                "in": "path",
                "name": "bulk",
                "required": true,
                "schema": {
                  "minimum": 1,
                  "type": "integer"
                }
              }
            ],
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/BulkRetryDetail"
                    }
                  }
                },
                "description": "OK"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              },
              "403": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "The user is not an operator"
              },
              "404": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "No such operation"
              }
            },
            "summary": "One bulk retry with its items (operators)"
          }
        },
        "/admin/api/openapi.json": {
          "get": {
            "operationId": "openapi",
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object"
                    }
                  }
                },
                "description": "OpenAPI 3.1"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              }
            },
            "summary": "This document"
          }
        },
        "/admin/api/overview": {
          "get": {
            "operationId": "overview",
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Overview"
                    }
                  }
                },
                "description": "OK"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              }
            },
            "summary": "Counters by status (kept with every status change, never counted), requests stored lately, the oldest unfinished request, nonce lanes and partitions"
          }
        },
        "/admin/api/requests": {
          "get": {
            "operationId": "listRequests",
            "parameters": [
              {
                "description": "any of these statuses",
                "explode": true,
                "in": "query",
                "name": "status",
                "required": false,
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/Status"
                  },
                  "type": "array"
                },
                "style": "form"
              },
              {
                "description": "sender address",
                "in": "query",
                "name": "sender",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "contract address",
                "in": "query",
                "name": "contract",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "message type as configured",
                "in": "query",
                "name": "type",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "stored at or after, UTC (2026-12-01 or 2026-12-01T16:30)",
                "in": "query",
                "name": "from",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "stored before, UTC",
                "in": "query",
                "name": "to",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "a request id prefix (8+), a 0x hash prefix (9-64 hex), an address (sender), a 0x 4-byte selector, or an Idempotency-Key",
                "in": "query",
                "name": "q",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "the API caller whose Idempotency-Key q is (default: each configured caller)",
                "in": "query",
                "name": "caller",
                "required": false,
                "schema": {
                  "type": "string"
                }
              },
              {
                "description": "the next cursor of the previous page",
                "in": "query",
                "name": "after",
                "required": false,
                "schema": {
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/RequestList"
                    }
                  }
                },
                "description": "OK"
              },
              "400": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "A filter does not parse; the message names it"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              }
            },
            "summary": "Requests newest first, keyset-paged"
          }
        },
        "/admin/api/requests/{id}": {
          "get": {
            "operationId": "getRequest",
            "parameters": [
              {
                "in": "path",
                "name": "id",
                "required": true,
                "schema": {
                  "format": "uuid",
                  "type": "string"
                }
              }
            ],
            "responses": {
              "200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/RequestDetail"
                    }
                  }
                },
                "description": "OK"
              },
              "400": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not a request id"
              },
              "401": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not logged in: POST /admin/login first"
              },
              "404": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "Not stored"
              }
            },
            "summary": "One request: as received, decoded calldata, versions, sends, receipt, lineage, audit"
          }
        }
      },
      "security": [
        {
          "session": []
        }
      ],
      "servers": [
        {
          "url": "http://127.0.0.1:8081"
        }
      ]
    }
    """#
}
