import { Link } from "../router";

const sections: [string, string][] = [["issues", "Issues"], ["releases", "Releases"], ["performance", "Performance"], ["alerts", "Alerts"], ["settings", "Settings"]];

// ProjectNav links a project's screens; the current one is marked.
export function ProjectNav(props: { org: string; project: string; current: string }) {
  return (
    <nav class="project-nav" aria-label="Project">
      {sections.map(([path, label]) => path === props.current
        ? <span aria-current="page">{label}</span>
        : <Link href={`/${props.org}/${props.project}/${path}`}>{label}</Link>)}
    </nav>
  );
}
