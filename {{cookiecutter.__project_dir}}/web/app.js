// The page's logic: connect, mute, the live transcript, and one clear message for each way
// connecting can fail. Plain JavaScript with no build step: index.html maps the
// "livekit-client" import to the package's browser build, which web/serve.py serves.
import { ConnectionError, ConnectionErrorReason, Room, RoomEvent, Track } from "livekit-client";

// What livekit-agents publishes: both sides' words as text streams on this topic (one segment
// per utterance, final once it is complete), and the agent's state as a participant attribute.
const TRANSCRIPTION_TOPIC = "lk.transcription";
const SEGMENT_ID = "lk.segment_id";
const FINAL = "lk.transcription_final";
const AGENT_STATE = "lk.agent.state";

const page = {
  connect: document.getElementById("connect"),
  mute: document.getElementById("mute"),
  status: document.getElementById("status"),
  agent: document.getElementById("agent-state"),
  transcript: document.getElementById("transcript"),
  access: document.getElementById("access"),
  accessCode: document.getElementById("access-code"),
};

let room = null; // the session's room, from Connect until it ends

/** A failure the page can explain; `kind` is shown as the status's data-failure. */
class Failure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

function show(state, message, failure = "") {
  page.status.dataset.state = state;
  page.status.dataset.failure = failure;
  page.status.textContent = message;
  page.connect.textContent = state === "connecting" || state === "connected" ? "Disconnect" : "Connect";
  page.mute.disabled = state !== "connected";
  if (state !== "connected") {
    page.mute.textContent = "Mute";
    page.agent.textContent = "";
  }
}

async function fetchToken() {
  const headers = { "Content-Type": "application/json" };
  if (page.accessCode.value) headers.Authorization = `Bearer ${page.accessCode.value}`;
  let response;
  try {
    response = await fetch("/token", { method: "POST", headers, body: "{}" });
  } catch {
    throw new Failure(
      "token-server",
      "Cannot reach the token server: is `uv run python web/serve.py` still running?",
    );
  }
  if (response.status === 401 || response.status === 403) {
    const { error } = await response.json().catch(() => ({}));
    let message = `The token server refused: ${error ?? response.statusText}.`;
    if (response.status === 401) {
      page.access.hidden = false;
      message += " Enter the access code and connect again.";
    }
    throw new Failure("token-refused", message);
  }
  if (!response.ok) {
    throw new Failure("token-server", `The token server answered ${response.status} ${response.statusText}.`);
  }
  return response.json();
}

function connectionFailure(error, url) {
  if (error instanceof ConnectionError && error.reason === ConnectionErrorReason.NotAllowed) {
    return new Failure(
      "livekit-refused",
      `The LiveKit server at ${url} refused the token: LIVEKIT_API_KEY and LIVEKIT_API_SECRET ` +
        "must be a key pair of that server's project.",
    );
  }
  return new Failure(
    "livekit-unreachable",
    `Cannot reach the LiveKit server at ${url} (${error.message}). Is LIVEKIT_URL right, and is ` +
      "the server running?",
  );
}

function microphoneFailure(error) {
  if (!window.isSecureContext) {
    return new Failure(
      "microphone",
      "Browsers give a page the microphone only over https:// or on localhost: open this page " +
        "as http://127.0.0.1, or serve it through HTTPS.",
    );
  }
  if (error.name === "NotAllowedError") {
    return new Failure(
      "microphone",
      "The browser blocked the microphone: allow it for this page (the icon in the address bar), then connect again.",
    );
  }
  return new Failure("microphone", `The microphone did not open: ${error.message}`);
}

async function connect() {
  page.transcript.replaceChildren();
  show("connecting", "Asking web/serve.py for a token...");
  let details;
  page.connect.disabled = true; // until there is a room to leave
  try {
    details = await fetchToken();
  } catch (error) {
    show("error", error.message, error.kind ?? "token-server");
    return;
  } finally {
    page.connect.disabled = false;
  }
  const session = new Room();
  room = session;
  follow(session);
  show("connecting", `Connecting to ${details.server_url}...`);
  try {
    await session.connect(details.server_url, details.participant_token);
  } catch (error) {
    if (room === session) await fail(connectionFailure(error, details.server_url));
    return;
  }
  // After connecting, so that a failed connection never opens the microphone. What the user
  // says before the agent listens is buffered and then sent to it.
  try {
    await session.localParticipant.setMicrophoneEnabled(true, undefined, { preConnectBuffer: true });
  } catch (error) {
    if (room === session) await fail(microphoneFailure(error));
    return;
  }
  if (room !== session) return; // disconnected meanwhile
  show("connected", `Connected to room ${session.name}: talk to the agent.`);
  showAgent(session);
}

async function fail(failure) {
  await leave();
  show("error", failure.message, failure.kind);
}

async function leave() {
  const session = room;
  room = null;
  await session?.disconnect();
}

function follow(session) {
  session
    .on(RoomEvent.TrackSubscribed, (track) => {
      if (track.kind === Track.Kind.Audio) document.body.append(track.attach());
    })
    .on(RoomEvent.TrackUnsubscribed, (track) => track.detach().forEach((element) => element.remove()))
    .on(RoomEvent.ParticipantConnected, () => showAgent(session))
    .on(RoomEvent.ParticipantDisconnected, () => showAgent(session))
    .on(RoomEvent.ParticipantAttributesChanged, () => showAgent(session))
    .on(RoomEvent.AudioPlaybackStatusChanged, () => {
      // Autoplay rules: a page may need one more click before it can play the agent's voice.
      if (!session.canPlaybackAudio) {
        page.agent.textContent = "Click anywhere on the page to hear the agent.";
        document.addEventListener("click", () => session.startAudio(), { once: true });
      }
    })
    .on(RoomEvent.Disconnected, () => {
      // Not after the user's own Disconnect, nor while connecting (connect() reports that).
      if (room !== session || page.status.dataset.state !== "connected") return;
      room = null;
      show("idle", "The session ended: the LiveKit server closed the connection.");
    });
  session.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, { identity }) =>
    showWords(session, reader, identity).catch(() => {}),
  );
}

function showAgent(session) {
  if (room !== session || page.status.dataset.state !== "connected") return;
  const agent = [...session.remoteParticipants.values()].find((participant) => participant.isAgent);
  page.agent.textContent = agent
    ? `Agent: ${agent.attributes[AGENT_STATE] ?? "joining"}`
    : "Waiting for the agent to join (is the agent running against the same LIVEKIT_URL?)";
}

async function showWords(session, reader, identity) {
  const segment = reader.info.attributes?.[SEGMENT_ID] ?? reader.info.id;
  let line = [...page.transcript.children].find((item) => item.dataset.segment === segment);
  if (!line) {
    line = document.createElement("li");
    line.dataset.segment = segment;
    line.className = identity === session.localParticipant.identity ? "you" : "agent";
    page.transcript.append(line);
  }
  // The agent's words arrive a few at a time in one stream; the user's as a new stream holding
  // the whole utterance so far. Either way, this stream's text replaces what the line showed.
  line.classList.add("partial");
  let text = "";
  for await (const chunk of reader) {
    text += chunk;
    line.textContent = text;
    line.scrollIntoView({ block: "nearest" });
  }
  if (reader.info.attributes?.[FINAL] === "true") line.classList.remove("partial");
}

page.connect.addEventListener("click", async () => {
  if (room) {
    await leave();
    show("idle", "Disconnected.");
  } else {
    await connect();
  }
});

page.mute.addEventListener("click", async () => {
  const unmute = !room.localParticipant.isMicrophoneEnabled;
  await room.localParticipant.setMicrophoneEnabled(unmute);
  page.mute.textContent = unmute ? "Mute" : "Unmute";
});

page.connect.disabled = false;
show("idle", "Not connected.");
