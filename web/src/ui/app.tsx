export function App() {
  return <main><h1>Kring</h1></main>;
}
