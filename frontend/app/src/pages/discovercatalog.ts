// Generated from analytics.Catalog by `go test ./frontend/ -run TestDashboardDiscoverCatalog -update`;
// TestDashboardDiscoverCatalog fails when it differs from the server's.
import type { Catalog } from "./discovertypes";

export const catalog: Catalog = {
  "columns": {
    "errors": [
      {
        "name": "environment",
        "type": "string"
      },
      {
        "name": "id",
        "type": "string"
      },
      {
        "name": "issue.id",
        "type": "integer",
        "numeric": true
      },
      {
        "name": "level",
        "type": "string"
      },
      {
        "name": "message",
        "type": "string"
      },
      {
        "name": "platform",
        "type": "string"
      },
      {
        "name": "project.id",
        "type": "integer",
        "numeric": true
      },
      {
        "name": "release",
        "type": "string"
      },
      {
        "name": "timestamp",
        "type": "date"
      },
      {
        "name": "title",
        "type": "string"
      },
      {
        "name": "transaction",
        "type": "string"
      },
      {
        "name": "user",
        "type": "string"
      }
    ],
    "transactions": [
      {
        "name": "environment",
        "type": "string"
      },
      {
        "name": "http.method",
        "type": "string"
      },
      {
        "name": "http.status_code",
        "type": "string"
      },
      {
        "name": "id",
        "type": "string"
      },
      {
        "name": "platform",
        "type": "string"
      },
      {
        "name": "project.id",
        "type": "integer",
        "numeric": true
      },
      {
        "name": "release",
        "type": "string"
      },
      {
        "name": "timestamp",
        "type": "date"
      },
      {
        "name": "trace",
        "type": "string"
      },
      {
        "name": "transaction",
        "type": "string"
      },
      {
        "name": "transaction.duration",
        "type": "duration",
        "numeric": true
      },
      {
        "name": "transaction.op",
        "type": "string"
      },
      {
        "name": "transaction.status",
        "type": "string"
      },
      {
        "name": "user",
        "type": "string"
      }
    ]
  },
  "functions": [
    {
      "name": "count",
      "args": null,
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "count_unique",
      "args": [
        {
          "name": "column",
          "kind": "column"
        }
      ],
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "count_if",
      "args": [
        {
          "name": "column",
          "kind": "column"
        },
        {
          "name": "operator",
          "kind": "operator"
        },
        {
          "name": "value",
          "kind": "value"
        }
      ],
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "p50",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn",
          "optional": true,
          "default": "transaction.duration"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "p75",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn",
          "optional": true,
          "default": "transaction.duration"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "p90",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn",
          "optional": true,
          "default": "transaction.duration"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "p95",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn",
          "optional": true,
          "default": "transaction.duration"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "p99",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn",
          "optional": true,
          "default": "transaction.duration"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "p100",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn",
          "optional": true,
          "default": "transaction.duration"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "percentile",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn"
        },
        {
          "name": "percentile",
          "kind": "number",
          "default": "0.95"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "avg",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn"
        }
      ],
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "sum",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn"
        }
      ],
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "min",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn"
        }
      ],
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "max",
      "args": [
        {
          "name": "column",
          "kind": "numericColumn"
        }
      ],
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "failure_count",
      "args": null,
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "failure_rate",
      "args": null,
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "apdex",
      "args": [
        {
          "name": "threshold",
          "kind": "number",
          "optional": true,
          "default": "300"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "count_miserable",
      "args": [
        {
          "name": "user",
          "kind": "user"
        },
        {
          "name": "threshold",
          "kind": "number",
          "default": "300"
        }
      ],
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "epm",
      "args": null,
      "datasets": [
        "errors",
        "transactions"
      ]
    },
    {
      "name": "tpm",
      "args": null,
      "datasets": [
        "transactions"
      ]
    },
    {
      "name": "last_seen",
      "args": null,
      "datasets": [
        "errors",
        "transactions"
      ],
      "date": true
    }
  ],
  "operators": [
    "equals",
    "greater",
    "greaterOrEquals",
    "less",
    "lessOrEquals",
    "notEquals"
  ]
};
