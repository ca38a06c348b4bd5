/** The 3D viewer: three.js, loaded on demand as its own chunk. Meshes (obj, stl, gltf,
 * glb) and point clouds (pts.json: [x, y, z], [x, y, z, category] or [x, y, z, r, g, b]),
 * framed to fit, with orbit controls (drag to turn, wheel to zoom, right-drag to pan). */
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OBJLoader } from "three/addons/loaders/OBJLoader.js";
import { STLLoader } from "three/addons/loaders/STLLoader.js";
import { embeddedOnly } from "./urls";

const CATEGORY_COLORS = [0x1f77b4, 0xe8590c, 0x2b8a3e, 0xc92a2a, 0x7048e8, 0x8c564b, 0xd6336c, 0x5c7cfa];

type Point = number[];

function pointCloud(doc: unknown): THREE.Points {
  const points = (Array.isArray(doc) ? doc : (doc as { points?: unknown }).points) as Point[] | undefined;
  if (!Array.isArray(points)) throw new Error("a pts.json file holds a list of points");
  const positions = new Float32Array(points.length * 3);
  const colors = new Float32Array(points.length * 3);
  const color = new THREE.Color();
  points.forEach((p, i) => {
    positions.set([p[0] ?? 0, p[1] ?? 0, p[2] ?? 0], i * 3);
    if (p.length >= 6) color.setRGB((p[3] ?? 0) / 255, (p[4] ?? 0) / 255, (p[5] ?? 0) / 255);
    else if (p.length === 4) color.setHex(CATEGORY_COLORS[Math.abs(Math.round(p[3] ?? 0)) % CATEGORY_COLORS.length] ?? 0x1f77b4);
    else color.setHex(0x1f77b4);
    colors.set([color.r, color.g, color.b], i * 3);
  });
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
  geometry.setAttribute("color", new THREE.BufferAttribute(colors, 3));
  return new THREE.Points(geometry, new THREE.PointsMaterial({ size: 2, sizeAttenuation: false, vertexColors: true }));
}

async function load(bytes: ArrayBuffer, format: string): Promise<THREE.Object3D> {
  const material = new THREE.MeshStandardMaterial({ color: 0x9aa5b1, flatShading: true, side: THREE.DoubleSide });
  switch (format) {
    case "pts.json":
      return pointCloud(JSON.parse(new TextDecoder().decode(bytes)));
    case "obj": {
      const obj = new OBJLoader().parse(new TextDecoder().decode(bytes));
      obj.traverse((child) => {
        if (child instanceof THREE.Mesh) child.material = material;
      });
      return obj;
    }
    case "stl":
      return new THREE.Mesh(new STLLoader().parse(bytes), material);
    case "gltf":
    case "glb": {
      const manager = new THREE.LoadingManager();
      manager.setURLModifier(embeddedOnly);
      const gltf = await new GLTFLoader(manager).parseAsync(format === "glb" ? bytes : new TextDecoder().decode(bytes), "");
      return gltf.scene;
    }
    default:
      throw new Error(`cannot show ${format} files`);
  }
}

/** Draw the object in ``el``; returns a function that frees everything. */
export async function mountViewer(el: HTMLElement, bytes: ArrayBuffer, format: string): Promise<() => void> {
  const object = await load(bytes, format);
  const width = Math.max(1, el.clientWidth);
  const height = Math.max(1, el.clientHeight);
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(devicePixelRatio);
  renderer.setSize(width, height);
  el.appendChild(renderer.domElement);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf4f5f7);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x444444, 2.5));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(1, 2, 3);
  scene.add(sun);
  scene.add(object);
  const box = new THREE.Box3().setFromObject(object);
  const centre = box.getCenter(new THREE.Vector3());
  const radius = Math.max(1e-6, box.getSize(new THREE.Vector3()).length() / 2);
  const camera = new THREE.PerspectiveCamera(45, width / height, radius / 100, radius * 100);
  camera.position.copy(centre).add(new THREE.Vector3(radius * 1.4, radius * 1.1, radius * 1.8));
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.target.copy(centre);
  controls.update();
  const draw = () => renderer.render(scene, camera);
  controls.addEventListener("change", draw);
  draw();
  return () => {
    controls.dispose();
    renderer.dispose();
    renderer.domElement.remove();
    object.traverse((child) => {
      if (child instanceof THREE.Mesh || child instanceof THREE.Points) child.geometry.dispose();
    });
  };
}
