"""``cairn.Graph``: a model's structure as nodes and edges (``watch(log_graph=True)``)."""

from __future__ import annotations

import json
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_size, json_safe

_NODE_FIELDS = ("id", "name", "class_name", "size", "parameters", "output_shape",
                "is_output", "num_parameters")


class Node:
    """wandb's ``Node``: one layer (or any part) of a graph, with the attributes wandb's
    graph view reads."""

    def __init__(self, id: Any = None, name: str | None = None, class_name: str | None = None,
                 size: Any = None, parameters: Any = None, output_shape: Any = None,
                 is_output: bool | None = None, num_parameters: Any = None,
                 node: Node | None = None) -> None:
        self.attributes: dict[str, Any] = {"name": None}
        if node is not None:
            self.attributes.update({k: v for k, v in node.attributes.items() if k != "id"})
        given = {"id": id, "name": name, "class_name": class_name, "size": size,
                 "parameters": parameters, "output_shape": output_shape,
                 "is_output": is_output, "num_parameters": num_parameters}
        self.attributes.update({k: v for k, v in given.items() if v is not None})

    def __getattr__(self, name: str) -> Any:
        if name in _NODE_FIELDS:
            return self.__dict__["attributes"].get(name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _NODE_FIELDS:
            self.attributes[name] = value
        else:
            super().__setattr__(name, value)

    def to_json(self) -> dict[str, Any]:
        return dict(self.attributes)

    def __repr__(self) -> str:
        return f"<cairn.Node {self.attributes!r}>"


class Edge:
    """wandb's ``Edge``: from one node to another (stored as their two ids)."""

    def __init__(self, from_node: Node, to_node: Node) -> None:
        self.from_node = from_node
        self.to_node = to_node
        self.name: str | None = None

    def to_json(self) -> list[Any]:
        return [self.from_node.id, self.to_node.id]


class Graph(Media):
    """wandb's ``Graph(format="keras")``: ``add_node``/``add_edge`` build it; stored as
    wandb's graph JSON (``{"format", "nodes", "edges"}``, ``graph-file``)."""

    _type = "graph-file"

    def __init__(self, format: str = "keras") -> None:
        self.format = format
        self.nodes: list[Node] = []
        self.nodes_by_id: dict[Any, Node] = {}
        self.edges: list[Edge] = []
        self.loaded = False
        self.criterion: Any = None
        self.criterion_passed = False
        self.root: Node | None = None

    def add_node(self, node: Node | None = None, **node_kwargs: Any) -> Node:
        if node is None:
            node = Node(**node_kwargs)
        elif node_kwargs:
            raise ValueError(f"Graph.add_node takes a node or its fields, not both; got "
                             f"{node!r} and {sorted(node_kwargs)}")
        self.nodes.append(node)
        self.nodes_by_id[node.id] = node
        return node

    def add_edge(self, from_node: Node, to_node: Node) -> Edge:
        edge = Edge(from_node, to_node)
        self.edges.append(edge)
        return edge

    def __getitem__(self, nid: Any) -> Node:
        return self.nodes_by_id[nid]

    def to_json(self) -> dict[str, Any]:
        """wandb's graph JSON."""
        return {"format": self.format, "nodes": [n.to_json() for n in self.nodes],
                "edges": [e.to_json() for e in self.edges]}

    @classmethod
    def from_keras(cls, model: Any) -> Graph:
        """A Keras model's layers as nodes, in order, each linked to the layers it takes
        its input from (a Sequential model: the one before)."""
        graph = cls()
        graph.loaded = True
        layers = list(getattr(model, "layers", []))
        for index, layer in enumerate(layers):
            node = graph.add_node(id=layer.name, name=layer.name,
                                  class_name=type(layer).__name__,
                                  output_shape=_keras_shape(layer),
                                  num_parameters=int(layer.count_params())
                                  if getattr(layer, "built", True) else None)
            for source in _keras_inputs(layer, layers[index - 1] if index else None):
                if source in graph.nodes_by_id:
                    graph.add_edge(graph.nodes_by_id[source], node)
        return graph

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        text = json.dumps(json_safe(self.to_json()), separators=(",", ":"), default=str)
        check_size(len(text), "Graph")
        return {"_type": self._type, **encoder.put_bytes(text.encode()),
                "format": "graph.json", "nodes": len(self.nodes), "edges": len(self.edges)}

    def __repr__(self) -> str:
        return f"<cairn.Graph {len(self.nodes)} nodes, {len(self.edges)} edges>"


def _keras_shape(layer: Any) -> Any:
    output = getattr(layer, "output", None)
    shape = getattr(output, "shape", None)
    return [None if d is None else int(d) for d in shape] if shape is not None else None


def _keras_inputs(layer: Any, previous: Any) -> list[str]:
    nodes = getattr(layer, "_inbound_nodes", None) or []
    names: list[str] = []
    for node in nodes:
        for tensor in getattr(node, "input_tensors", None) or []:
            history = getattr(tensor, "_keras_history", None)
            source = getattr(history, "operation", None) or getattr(history, "layer", None)
            if source is not None and getattr(source, "name", None):
                names.append(str(source.name))
    if not names and previous is not None:
        names.append(str(previous.name))
    return names
