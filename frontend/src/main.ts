import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { connect, type DesktopWindow } from './lib/api';

const win = window as Window & DesktopWindow;
const target = document.getElementById('app')!;

connect(win)
  .then((api) => mount(App, { target, props: { api, win } }))
  .catch((e: unknown) => {
    target.textContent = `NineRouter could not start its window: ${(e as Error).message}`;
  });
