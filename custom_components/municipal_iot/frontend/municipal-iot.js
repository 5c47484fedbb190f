var L=globalThis,j=L.ShadowRoot&&(L.ShadyCSS===void 0||L.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,V=Symbol(),at=new WeakMap,H=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==V)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(j&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=at.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&at.set(e,t))}return t}toString(){return this.cssText}},lt=r=>new H(typeof r=="string"?r:r+"",void 0,V),$=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((s,n,i)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+r[i+1],r[0]);return new H(e,r,V)},ct=(r,t)=>{if(j)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),n=L.litNonce;n!==void 0&&s.setAttribute("nonce",n),s.textContent=e.cssText,r.appendChild(s)}},J=j?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return lt(e)})(r):r;var{is:Mt,defineProperty:Dt,getOwnPropertyDescriptor:Rt,getOwnPropertyNames:Ot,getOwnPropertySymbols:Nt,getPrototypeOf:It}=Object,z=globalThis,dt=z.trustedTypes,Lt=dt?dt.emptyScript:"",jt=z.reactiveElementPolyfillSupport,P=(r,t)=>r,F={toAttribute(r,t){switch(t){case Boolean:r=r?Lt:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},ut=(r,t)=>!Mt(r,t),pt={attribute:!0,type:String,converter:F,reflect:!1,useDefault:!1,hasChanged:ut};Symbol.metadata??=Symbol("metadata"),z.litPropertyMetadata??=new WeakMap;var v=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=pt){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),n=this.getPropertyDescriptor(t,s,e);n!==void 0&&Dt(this.prototype,t,n)}}static getPropertyDescriptor(t,e,s){let{get:n,set:i}=Rt(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:n,set(o){let c=n?.call(this);i?.call(this,o),this.requestUpdate(t,c,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??pt}static _$Ei(){if(this.hasOwnProperty(P("elementProperties")))return;let t=It(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(P("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(P("properties"))){let e=this.properties,s=[...Ot(e),...Nt(e)];for(let n of s)this.createProperty(n,e[n])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,n]of e)this.elementProperties.set(s,n)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let n=this._$Eu(e,s);n!==void 0&&this._$Eh.set(n,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let n of s)e.unshift(J(n))}else t!==void 0&&e.push(J(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return ct(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),n=this.constructor._$Eu(t,s);if(n!==void 0&&s.reflect===!0){let i=(s.converter?.toAttribute!==void 0?s.converter:F).toAttribute(e,s.type);this._$Em=t,i==null?this.removeAttribute(n):this.setAttribute(n,i),this._$Em=null}}_$AK(t,e){let s=this.constructor,n=s._$Eh.get(t);if(n!==void 0&&this._$Em!==n){let i=s.getPropertyOptions(n),o=typeof i.converter=="function"?{fromAttribute:i.converter}:i.converter?.fromAttribute!==void 0?i.converter:F;this._$Em=n;let c=o.fromAttribute(e,i.type);this[n]=c??this._$Ej?.get(n)??c,this._$Em=null}}requestUpdate(t,e,s,n=!1,i){if(t!==void 0){let o=this.constructor;if(n===!1&&(i=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??ut)(i,e)||s.useDefault&&s.reflect&&i===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:n,wrapped:i},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),i!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),n===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,i]of this._$Ep)this[n]=i;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[n,i]of s){let{wrapped:o}=i,c=this[n];o!==!0||this._$AL.has(n)||c===void 0||this.C(n,void 0,i,c)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};v.elementStyles=[],v.shadowRootOptions={mode:"open"},v[P("elementProperties")]=new Map,v[P("finalized")]=new Map,jt?.({ReactiveElement:v}),(z.reactiveElementVersions??=[]).push("2.1.2");var tt=globalThis,ht=r=>r,B=tt.trustedTypes,mt=B?B.createPolicy("lit-html",{createHTML:r=>r}):void 0,bt="$lit$",x=`lit$${Math.random().toFixed(9).slice(2)}$`,yt="?"+x,zt=`<${yt}>`,k=document,D=()=>k.createComment(""),R=r=>r===null||typeof r!="object"&&typeof r!="function",et=Array.isArray,Bt=r=>et(r)||typeof r?.[Symbol.iterator]=="function",K=`[ 	
\f\r]`,M=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,gt=/-->/g,_t=/>/g,w=RegExp(`>|${K}(?:([^\\s"'>=/]+)(${K}*=${K}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),ft=/'/g,$t=/"/g,xt=/^(?:script|style|textarea|title)$/i,st=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),l=st(1),te=st(2),ee=st(3),E=Symbol.for("lit-noChange"),d=Symbol.for("lit-nothing"),vt=new WeakMap,A=k.createTreeWalker(k,129);function wt(r,t){if(!et(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return mt!==void 0?mt.createHTML(t):t}var qt=(r,t)=>{let e=r.length-1,s=[],n,i=t===2?"<svg>":t===3?"<math>":"",o=M;for(let c=0;c<e;c++){let p=r[c],m,g,u=-1,f=0;for(;f<p.length&&(o.lastIndex=f,g=o.exec(p),g!==null);)f=o.lastIndex,o===M?g[1]==="!--"?o=gt:g[1]!==void 0?o=_t:g[2]!==void 0?(xt.test(g[2])&&(n=RegExp("</"+g[2],"g")),o=w):g[3]!==void 0&&(o=w):o===w?g[0]===">"?(o=n??M,u=-1):g[1]===void 0?u=-2:(u=o.lastIndex-g[2].length,m=g[1],o=g[3]===void 0?w:g[3]==='"'?$t:ft):o===$t||o===ft?o=w:o===gt||o===_t?o=M:(o=w,n=void 0);let y=o===w&&r[c+1].startsWith("/>")?" ":"";i+=o===M?p+zt:u>=0?(s.push(m),p.slice(0,u)+bt+p.slice(u)+x+y):p+x+(u===-2?c:y)}return[wt(r,i+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},O=class r{constructor({strings:t,_$litType$:e},s){let n;this.parts=[];let i=0,o=0,c=t.length-1,p=this.parts,[m,g]=qt(t,e);if(this.el=r.createElement(m,s),A.currentNode=this.el.content,e===2||e===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(n=A.nextNode())!==null&&p.length<c;){if(n.nodeType===1){if(n.hasAttributes())for(let u of n.getAttributeNames())if(u.endsWith(bt)){let f=g[o++],y=n.getAttribute(u).split(x),I=/([.?@])?(.*)/.exec(f);p.push({type:1,index:i,name:I[2],strings:y,ctor:I[1]==="."?X:I[1]==="?"?G:I[1]==="@"?Q:C}),n.removeAttribute(u)}else u.startsWith(x)&&(p.push({type:6,index:i}),n.removeAttribute(u));if(xt.test(n.tagName)){let u=n.textContent.split(x),f=u.length-1;if(f>0){n.textContent=B?B.emptyScript:"";for(let y=0;y<f;y++)n.append(u[y],D()),A.nextNode(),p.push({type:2,index:++i});n.append(u[f],D())}}}else if(n.nodeType===8)if(n.data===yt)p.push({type:2,index:i});else{let u=-1;for(;(u=n.data.indexOf(x,u+1))!==-1;)p.push({type:7,index:i}),u+=x.length-1}i++}}static createElement(t,e){let s=k.createElement("template");return s.innerHTML=t,s}};function S(r,t,e=r,s){if(t===E)return t;let n=s!==void 0?e._$Co?.[s]:e._$Cl,i=R(t)?void 0:t._$litDirective$;return n?.constructor!==i&&(n?._$AO?.(!1),i===void 0?n=void 0:(n=new i(r),n._$AT(r,e,s)),s!==void 0?(e._$Co??=[])[s]=n:e._$Cl=n),n!==void 0&&(t=S(r,n._$AS(r,t.values),n,s)),t}var Z=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,n=(t?.creationScope??k).importNode(e,!0);A.currentNode=n;let i=A.nextNode(),o=0,c=0,p=s[0];for(;p!==void 0;){if(o===p.index){let m;p.type===2?m=new N(i,i.nextSibling,this,t):p.type===1?m=new p.ctor(i,p.name,p.strings,this,t):p.type===6&&(m=new Y(i,this,t)),this._$AV.push(m),p=s[++c]}o!==p?.index&&(i=A.nextNode(),o++)}return A.currentNode=k,n}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},N=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,n){this.type=2,this._$AH=d,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=S(this,t,e),R(t)?t===d||t==null||t===""?(this._$AH!==d&&this._$AR(),this._$AH=d):t!==this._$AH&&t!==E&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Bt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==d&&R(this._$AH)?this._$AA.nextSibling.data=t:this.T(k.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,n=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=O.createElement(wt(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===n)this._$AH.p(e);else{let i=new Z(n,this),o=i.u(this.options);i.p(e),this.T(o),this._$AH=i}}_$AC(t){let e=vt.get(t.strings);return e===void 0&&vt.set(t.strings,e=new O(t)),e}k(t){et(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,n=0;for(let i of t)n===e.length?e.push(s=new r(this.O(D()),this.O(D()),this,this.options)):s=e[n],s._$AI(i),n++;n<e.length&&(this._$AR(s&&s._$AB.nextSibling,n),e.length=n)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=ht(t).nextSibling;ht(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},C=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,n,i){this.type=1,this._$AH=d,this._$AN=void 0,this.element=t,this.name=e,this._$AM=n,this.options=i,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=d}_$AI(t,e=this,s,n){let i=this.strings,o=!1;if(i===void 0)t=S(this,t,e,0),o=!R(t)||t!==this._$AH&&t!==E,o&&(this._$AH=t);else{let c=t,p,m;for(t=i[0],p=0;p<i.length-1;p++)m=S(this,c[s+p],e,p),m===E&&(m=this._$AH[p]),o||=!R(m)||m!==this._$AH[p],m===d?t=d:t!==d&&(t+=(m??"")+i[p+1]),this._$AH[p]=m}o&&!n&&this.j(t)}j(t){t===d?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},X=class extends C{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===d?void 0:t}},G=class extends C{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==d)}},Q=class extends C{constructor(t,e,s,n,i){super(t,e,s,n,i),this.type=5}_$AI(t,e=this){if((t=S(this,t,e,0)??d)===E)return;let s=this._$AH,n=t===d&&s!==d||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,i=t!==d&&(s===d||n);n&&this.element.removeEventListener(this.name,this,s),i&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},Y=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){S(this,t)}};var Wt=tt.litHtmlPolyfillSupport;Wt?.(O,N),(tt.litHtmlVersions??=[]).push("3.3.3");var At=(r,t,e)=>{let s=e?.renderBefore??t,n=s._$litPart$;if(n===void 0){let i=e?.renderBefore??null;s._$litPart$=n=new N(t.insertBefore(D(),i),i,void 0,e??{})}return n._$AI(r),n};var nt=globalThis,_=class extends v{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=At(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return E}};_._$litElement$=!0,_.finalized=!0,nt.litElementHydrateSupport?.({LitElement:_});var Vt=nt.litElementPolyfillSupport;Vt?.({LitElement:_});(nt.litElementVersions??=[]).push("4.2.2");var b="municipal_iot";function kt(r,t){return t.type==="snapshot"?t.units:r.map(e=>{if(e.entry_id!==t.unit_id)return e;if(t.type==="unit")return{...e,notices:t.notices};if(t.type==="apartment"){let s=e.apartments.some(n=>n.id===t.apartment.id)?e.apartments.map(n=>n.id===t.apartment.id?t.apartment:n):[...e.apartments,t.apartment];return{...e,apartments:s}}return{...e,journal:[...e.journal,...t.entries]}})}function Et(r){return[...r].sort((t,e)=>t.rank-e.rank||t.label.localeCompare(e.label,void 0,{numeric:!0}))}var St=new WeakSet;async function Tt(r){St.has(r)||(St.add(r),await r.loadBackendTranslation("common",b))}function a(r,t,e){return r.localize(`component.${b}.common.${t}`,e)||t}var Ct=new Map;function Ut(r,t,e){let s=`${r}|${t}|${JSON.stringify(e)}`,n=Ct.get(s);return n||(n=new Intl.DateTimeFormat(r,{...e,timeZone:t}),Ct.set(s,n)),n}function h(r,t,e=!1){if(!t)return"\u2013";let s=new Date(t),n=Ut(r.language,r.config.time_zone,{hour:"2-digit",minute:"2-digit"}).format(s),i=T(r,s);return e||i!==T(r,new Date)?`${i} ${n}`:n}function T(r,t){return Ut("sv-SE",r.config.time_zone,{year:"numeric",month:"2-digit",day:"2-digit"}).format(t)}function Ht(r,t,e){if(!t)return"\u2013";let s=Math.max(0,Math.floor((e-Date.parse(t))/6e4));return s<60?a(r,"duration_minutes",{minutes:s}):a(r,"duration_hours",{hours:Math.floor(s/60),minutes:s%60})}function it(r,t){return r.states[t]?.attributes.friendly_name??t}var U=class{constructor(t){this.host=t;this.units=null;this.now=Date.now();this.loadedAt=0;this.unsubscribe=null;this.hass=null;this.started=0;t.addController(this)}hostConnected(){this.timer=window.setInterval(()=>{this.now=Date.now(),this.host.requestUpdate()},3e4),this.host.hass&&this.connect(this.host.hass)}hostUpdate(){this.host.hass&&this.host.hass!==this.hass&&!this.unsubscribe&&this.connect(this.host.hass)}hostDisconnected(){window.clearInterval(this.timer);let t=this.unsubscribe;this.unsubscribe=null,this.hass=null,t&&t()}elapsed(){return performance.now()-this.started}connect(t){this.hass=t,this.started=performance.now(),Tt(t).then(()=>this.host.requestUpdate()),t.connection.subscribeMessage(e=>{this.units=kt(this.units??[],e),e.type==="snapshot"&&!this.loadedAt&&(this.loadedAt=performance.now()-this.started),this.now=Date.now(),this.host.requestUpdate()},{type:`${b}/subscribe`}).then(e=>{this.hass===t?this.unsubscribe=e:e()})}};var Pt=12,rt=class extends _{static{this.properties={hass:{attribute:!1},notices:{attribute:!1}}}render(){let t=this.hass,e=this.notices,s=[],n=e.network_outage;if(n){let o=n.apartments.length-Pt,c=n.apartments.slice(0,Pt).join(", "),p=o>0?`${c} ${a(t,"panel_and_more",{count:o})}`:c;s.push(l`<div class="notice fault" data-notice="network_outage">
        <b>${a(t,"panel_network_outage",{count:n.count,total:n.of})}</b>
        <div>${a(t,"panel_network_outage_detail",{time:h(t,n.since),apartments:p})}</div>
      </div>`)}e.test_alarm_unanswered&&s.push(l`<div class="notice fault" data-notice="test_alarm_unanswered">
        <b>${a(t,"panel_test_alarm_unanswered",{time:h(t,e.test_alarm_unanswered.sent_at)})}</b>
      </div>`);let i=e.test_alarm_pending;return i&&s.push(l`<div class="notice test" data-notice="test_alarm_pending">
        ${a(t,"panel_test_alarm_pending",{time:h(t,i.sent_at),until:h(t,i.answer_by)})}
      </div>`),s.length?l`<div class="notices" role="status">${s}</div>`:d}static{this.styles=$`
    :host { display: block; }
    .notices { display: flex; flex-direction: column; gap: 8px; margin: 0 0 12px; }
    .notice { padding: 10px 12px; border-radius: 12px; border-left: 8px solid var(--miot-color); background: color-mix(in srgb, var(--miot-color) 12%, var(--card-background-color, #fff)); color: var(--primary-text-color, #212121); overflow-wrap: anywhere; }
    .notice.fault { --miot-color: #8e24aa; }
    .notice.test { --miot-color: var(--info-color, #039be5); }
    .notice div { margin-top: 4px; }
  `}};customElements.get("miot-notices")||customElements.define("miot-notices",rt);var Jt=["visited_all_ok","visited_needed_help","false_alarm","technical_fault"],Ft=["away","hospital","guests","other"],Kt=200,ot=class extends _{static{this.properties={hass:{attribute:!1},unit:{attribute:!1},focusId:{attribute:!1},now:{attribute:!1},dialog:{state:!0},error:{state:!0},open:{state:!0}}}constructor(){super(),this.focusId=null,this.now=Date.now(),this.dialog=null,this.error="",this.open=new Set}updated(){if(this.focusId){let t=this.renderRoot.querySelector(`[data-apartment="${this.focusId}"]`);t&&(t.scrollIntoView({block:"center"}),this.focusId=null)}}async call(t,e,s={}){this.error="";try{return await this.hass.callWS({type:`${b}/${t}`,entry_id:this.unit.entry_id,apartment_id:e.id,...s}),!0}catch(n){let i=n.message??String(n);return this.error=a(this.hass,"panel_error",{message:i}),!1}}pauseEnd(t){return t.end==="hour"?new Date(this.now+36e5).toISOString():t.end==="tomorrow"?`${new Date(Date.parse(`${T(this.hass,new Date(this.now))}T12:00:00Z`)+864e5).toISOString().slice(0,10)}T07:00:00`:t.custom?`${t.custom}:00`:null}async confirm(){let t=this.dialog;if(!t)return;let e=!1;if(t.kind==="close")e=await this.call("close",t.tile,{outcome:t.outcome,note:t.note.trim()});else{let s=this.pauseEnd(t);if(!s){this.error=a(this.hass,"panel_pause_end_past");return}e=await this.call("pause",t.tile,{reason:t.reason,until:s})}e&&(this.dialog=null)}toggle(t){let e=new Set(this.open);e.has(t)?e.delete(t):e.add(t),this.open=e}render(){let t=Et(this.unit.apartments);return l`
      ${this.error&&!this.dialog?l`<p class="error" role="alert">${this.error}</p>`:d}
      <div class="tiles">${t.map(e=>this.renderTile(e))}</div>
      ${this.dialog?this.renderDialog(this.dialog):d}
    `}renderTile(t){let e=this.hass,s=t.alarm,n=[];if(s&&(n.push(l`<div class="line strong">${a(e,"panel_alarm_since",{time:h(e,s.raised_at)})}</div>`),s.door_opened_at&&n.push(l`<div class="line strong">${a(e,"panel_door_opened",{time:h(e,s.door_opened_at)})}</div>`),s.returned_at&&n.push(l`<div class="line">${a(e,"panel_returned",{time:h(e,s.returned_at)})}</div>`),(s.acknowledged_by||s.acknowledged_at)&&n.push(l`<div class="line">${a(e,"panel_acknowledged_by",{user:s.acknowledged_by??"\u2013",time:h(e,s.acknowledged_at)})}</div>`),s.motion_returned_at&&n.push(l`<div class="line">${a(e,"panel_motion_returned",{time:h(e,s.motion_returned_at)})}</div>`)),t.away_since&&n.push(l`<div class="line">${a(e,"panel_away_since",{time:h(e,t.away_since)})}</div>`),t.status==="grace"&&t.grace_ends_at&&n.push(l`<div class="line strong">${a(e,"panel_grace_until",{time:h(e,t.grace_ends_at)})}</div>`),t.pause){let o=t.pause.by?` ${a(e,"panel_paused_by",{user:t.pause.by})}`:"";n.push(l`<div class="line">${a(e,"panel_paused_until",{until:h(e,t.pause.until,!0)})}${o} · ${a(e,`pause_reason_${t.pause.reason}`)}</div>`)}t.next_planned_check&&n.push(l`<div class="line planned">${a(e,"panel_next_planned_check",{time:h(e,t.next_planned_check)})}</div>`),(!t.away_since||s)&&n.push(l`<div class="line">${a(e,"panel_still",{duration:Ht(e,s?s.still_since:t.still_since,this.now)})}</div>`);let i=t.sensors.filter(o=>o.problem||o.battery_low);for(let o of i){let c=o.problem?a(e,"panel_sensor_fault"):a(e,"panel_battery_low");n.push(l`<div class="line warn">${it(e,o.entity_id)}: ${c}</div>`)}return l`
      <article class="tile ${t.status}" data-apartment=${t.id} data-status=${t.status}>
        <header>
          <h3>${t.label}</h3>
          <span class="badge">${a(e,`panel_status_${t.status}`)}</span>
        </header>
        ${n}
        ${s&&t.action_plan?l`<div class="plan"><b>${a(e,"panel_action_plan")}:</b> ${t.action_plan}</div>`:d}
        <div class="actions">
          ${this.renderActions(t)}
          <button class="link" @click=${()=>this.toggle(t.id)} aria-expanded=${this.open.has(t.id)}>
            ${a(e,"panel_details")}
          </button>
        </div>
        ${this.open.has(t.id)?this.renderDetails(t):d}
      </article>
    `}renderActions(t){let e=this.hass,s=[];return t.alarm&&!t.alarm.acknowledged_at&&s.push(l`<button class="primary" @click=${()=>this.call("acknowledge",t)}>${a(e,"panel_acknowledge")}</button>`),t.alarm&&s.push(l`<button class="primary" @click=${()=>{this.error="",this.dialog={kind:"close",tile:t,outcome:"",note:""}}}>${a(e,"panel_close")}</button>`),t.pause?s.push(l`<button @click=${()=>this.call("resume",t)}>${a(e,"panel_resume")}</button>`):t.alarm||s.push(l`<button @click=${()=>{this.error="",this.dialog={kind:"pause",tile:t,reason:"",end:"hour",custom:""}}}>${a(e,"panel_pause")}</button>`),s}renderDetails(t){let e=this.hass,s=t.rules,n=[...s.bands.filter(i=>i.minutes).map(i=>a(e,"panel_rule_band",{band:`${i.start}\u2013${i.end}`,minutes:i.minutes??0})),...s.windows.map(i=>a(e,"panel_rule_window",{window:`${i.start}\u2013${i.end}`})),...s.continuous_minutes?[a(e,"panel_rule_continuous",{minutes:s.continuous_minutes})]:[],...s.outing?[a(e,"panel_rule_outing",{minutes:s.outing.minutes})]:[],...s.outing?.not_back?[a(e,"panel_rule_not_back",{band:`${s.outing.not_back.start}\u2013${s.outing.not_back.end}`,minutes:s.outing.not_back.minutes})]:[],...s.night_exit?[a(e,"panel_rule_night_exit",{band:`${s.night_exit.start}\u2013${s.night_exit.end}`})]:[],...s.planned?[a(e,"panel_rule_planned",{times:s.planned.times.map(i=>i.at).join(", ")})]:[]];return l`
      <dl class="details">
        <dt>${a(e,"panel_last_motion")}</dt>
        <dd>${t.last_motion?h(e,t.last_motion):a(e,"panel_never")}</dd>
        ${t.next_alarm&&!t.alarm?l`<dt>${a(e,"panel_next_alarm")}</dt><dd>${h(e,t.next_alarm)}</dd>`:d}
        <dt>${a(e,"panel_sensors")}</dt>
        <dd>${t.sensors.map(i=>l`<div>${it(e,i.entity_id)}</div>`)}</dd>
        <dt>${a(e,"panel_rules")}</dt>
        <dd>
          ${n.length?n.map(i=>l`<div>${i}</div>`):a(e,"panel_no_rules")}
          <div>${a(e,"panel_rule_grace",{minutes:s.grace_minutes})}</div>
        </dd>
        ${t.action_plan?l`<dt>${a(e,"panel_action_plan")}</dt><dd>${t.action_plan}</dd>`:d}
      </dl>
    `}renderDialog(t){let e=this.hass,s=t.tile.label,n=l`<button @click=${()=>this.dialog=null}>${a(e,"panel_cancel")}</button>`;if(t.kind==="close"){let i=!this.unit.apartments.find(o=>o.id===t.tile.id)?.alarm?.motion_returned_at;return l`
        <div class="scrim" role="dialog" aria-modal="true" aria-label=${a(e,"panel_close_title",{apartment:s})}>
          <div class="dialog">
            <h2>${a(e,"panel_close_title",{apartment:s})}</h2>
            <fieldset>
              <legend>${a(e,"panel_outcome")}</legend>
              <div class="chips">
                ${Jt.map(o=>l`
                  <button class="chip" data-outcome=${o} aria-pressed=${t.outcome===o}
                    @click=${()=>this.dialog={...t,outcome:o}}>${a(e,`outcome_${o}`)}</button>`)}
              </div>
            </fieldset>
            ${i?l`<p class="hint">${a(e,"panel_without_motion")}</p>`:d}
            <label class="field">
              <span>${a(e,"panel_note")}</span>
              <textarea name="note" maxlength=${Kt} rows="2" .value=${t.note}
                @input=${o=>this.dialog={...t,note:o.target.value}}></textarea>
              <small>${a(e,"panel_note_helper")}</small>
            </label>
            ${this.error?l`<p class="error" role="alert">${this.error}</p>`:d}
            <div class="actions end">
              ${n}
              <button class="primary" name="confirm" ?disabled=${!t.outcome} @click=${()=>this.confirm()}>
                ${a(e,"panel_confirm_close")}
              </button>
            </div>
          </div>
        </div>
      `}return l`
      <div class="scrim" role="dialog" aria-modal="true" aria-label=${a(e,"panel_pause_title",{apartment:s})}>
        <div class="dialog">
          <h2>${a(e,"panel_pause_title",{apartment:s})}</h2>
          <fieldset>
            <legend>${a(e,"panel_reason")}</legend>
            <div class="chips">
              ${Ft.map(i=>l`
                <button class="chip" data-reason=${i} aria-pressed=${t.reason===i}
                  @click=${()=>this.dialog={...t,reason:i}}>${a(e,`pause_reason_${i}`)}</button>`)}
            </div>
          </fieldset>
          <fieldset>
            <legend>${a(e,"panel_until")}</legend>
            <div class="chips">
              ${[["hour","panel_one_hour"],["tomorrow","panel_tomorrow_7"],["custom","panel_custom_time"]].map(([i,o])=>l`
                  <button class="chip" data-end=${i} aria-pressed=${t.end===i}
                    @click=${()=>this.dialog={...t,end:i}}>${a(e,o)}</button>`)}
            </div>
            ${t.end==="custom"?l`<input type="datetime-local" name="until" .value=${t.custom}
                  @input=${i=>this.dialog={...t,custom:i.target.value}} />`:d}
          </fieldset>
          ${this.error?l`<p class="error" role="alert">${this.error}</p>`:d}
          <div class="actions end">
            ${n}
            <button class="primary" name="confirm" ?disabled=${!t.reason} @click=${()=>this.confirm()}>
              ${a(e,"panel_confirm_pause")}
            </button>
          </div>
        </div>
      </div>
    `}static{this.styles=$`
    :host { display: block; }
    .tiles { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); }
    .tile {
      background: var(--card-background-color, #fff); color: var(--primary-text-color, #212121);
      border-radius: 12px; padding: 10px 14px; border-left: 8px solid var(--miot-color);
      box-shadow: var(--ha-card-box-shadow, 0 1px 3px rgba(0, 0, 0, 0.2));
      --miot-color: var(--success-color, #43a047);
    }
    .tile.alarm { --miot-color: var(--error-color, #db4437); background: color-mix(in srgb, var(--error-color, #db4437) 12%, var(--card-background-color, #fff)); }
    .tile.grace { --miot-color: var(--warning-color, #ffa600); }
    .tile.sensor_problem { --miot-color: #8e24aa; }
    .tile.not_supervised { --miot-color: var(--disabled-text-color, #9e9e9e); }
    .tile.acknowledged { --miot-color: var(--info-color, #039be5); }
    .tile.paused { --miot-color: #607d8b; }
    .tile.away { --miot-color: #5c6bc0; }
    header { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
    h3 { margin: 0; font-size: 1.15rem; }
    .badge { background: var(--miot-color); color: #fff; border-radius: 999px; padding: 2px 10px; font-weight: 600; font-size: 0.9rem; white-space: nowrap; }
    .line { margin-top: 4px; }
    .strong { font-weight: 600; }
    .warn { color: #8e24aa; }
    .plan { margin-top: 8px; padding: 6px 8px; border-radius: 8px; background: rgba(0, 0, 0, 0.05); }
    .actions { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-top: 8px; }
    .actions.end { justify-content: flex-end; }
    button {
      font: inherit; min-height: 44px; padding: 0 16px; border-radius: 22px; cursor: pointer;
      border: 1px solid var(--divider-color, #ccc); background: transparent; color: inherit;
    }
    button.primary { background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); border-color: transparent; font-weight: 600; }
    button:disabled { opacity: 0.5; cursor: default; }
    button.link { border: none; padding: 0 4px; margin-left: auto; color: var(--primary-color, #03a9f4); }
    .details { margin: 6px 0 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; font-size: 0.95rem; }
    .details dt { color: var(--secondary-text-color, #727272); }
    .details dd { margin: 0; }
    .scrim { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.45); display: flex; align-items: flex-end; justify-content: center; z-index: 10; }
    .dialog { background: var(--card-background-color, #fff); color: var(--primary-text-color, #212121); width: 100%; max-width: 520px; border-radius: 16px 16px 0 0; padding: 16px; box-sizing: border-box; max-height: 90vh; overflow: auto; }
    @media (min-width: 600px) { .scrim { align-items: center; } .dialog { border-radius: 16px; } }
    .dialog h2 { margin: 0 0 8px; font-size: 1.2rem; }
    fieldset { border: none; padding: 0; margin: 8px 0; }
    legend { font-weight: 600; margin-bottom: 6px; }
    .chips { display: flex; flex-wrap: wrap; gap: 8px; }
    .chip[aria-pressed="true"] { background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); border-color: transparent; }
    .field { display: flex; flex-direction: column; gap: 4px; margin: 8px 0; }
    textarea, input { font: inherit; padding: 8px; border-radius: 8px; border: 1px solid var(--divider-color, #ccc); background: transparent; color: inherit; }
    input[type="datetime-local"] { margin-top: 8px; min-height: 40px; }
    small, .hint { color: var(--secondary-text-color, #727272); }
    .error { color: var(--error-color, #db4437); font-weight: 600; }
  `}};customElements.get("miot-unit")||customElements.define("miot-unit",ot);var q=class extends _{constructor(){super(...arguments);this.live=new U(this)}static{this.properties={hass:{attribute:!1},config:{state:!0}}}setConfig(e){this.config={...e}}getCardSize(){return 3+(this.live.units?.[0]?.apartments.length??0)}static getStubConfig(){return{}}render(){let e=this.hass;if(!e||!this.config)return d;let s=this.live.units,n=s?.find(i=>i.entry_id===this.config.entry_id)??(this.config.entry_id?void 0:s?.[0]);return l`<ha-card .header=${this.config.title??n?.title??a(e,"panel_title")}>
      <div class="content">
        ${s===null?a(e,"panel_loading"):n?l`<miot-notices .hass=${e} .notices=${n.notices}></miot-notices>
                <miot-unit .hass=${e} .unit=${n} .now=${this.live.now}></miot-unit>`:a(e,"panel_card_no_unit")}
      </div>
    </ha-card>`}static{this.styles=$`.content { padding: 0 16px 16px; }`}};var Zt=["entries","episodes","planned_checks"],W=class extends _{constructor(){super();this.live=new U(this);this.renderedMs=null;this.focusId=new URLSearchParams(window.location.search).get("apartment");this.range={}}static{this.properties={hass:{attribute:!1},narrow:{type:Boolean},range:{state:!0}}}render(){let e=this.hass;if(!e)return d;let s=this.live.units;return l`
      <div class="toolbar">
        ${customElements.get("ha-menu-button")?l`<ha-menu-button .hass=${e} .narrow=${this.narrow}></ha-menu-button>`:d}
        <h1>${a(e,"panel_title")}</h1>
      </div>
      <main data-loaded-ms=${this.live.loadedAt?Math.round(this.live.loadedAt):d}
        data-rendered-ms=${this.renderedMs||d}>
        ${s===null?l`<p>${a(e,"panel_loading")}</p>`:s.length===0?l`<p>${a(e,"panel_no_units")}</p>`:s.map(n=>this.renderUnit(n))}
      </main>
    `}updated(){if(this.renderedMs===null&&this.live.units&&this.live.loadedAt){this.renderedMs=0;let e=[...this.renderRoot.querySelectorAll("miot-unit")];Promise.all(e.map(s=>s.updateComplete)).then(()=>{this.renderedMs=Math.round(this.live.elapsed()),this.requestUpdate()})}}renderUnit(e){let s=this.hass,n=e.apartments.filter(c=>c.alarm).length,i=e.apartments.filter(c=>c.pause),o=e.apartments.some(c=>c.id===this.focusId)?this.focusId:null;return o&&(this.focusId=null),l`
      <section class="unit" data-unit=${e.entry_id}>
        <h2>${e.title}</h2>
        <p class="summary">${a(s,"panel_summary",{alarms:n,paused:i.length,total:e.apartments.length})}</p>
        <miot-notices .hass=${s} .notices=${e.notices}></miot-notices>
        <miot-unit .hass=${s} .unit=${e} .now=${this.live.now} .focusId=${o}></miot-unit>
        <h3>${a(s,"panel_pauses")}</h3>
        ${i.length?l`<ul class="list pauses">
              ${i.map(c=>l`<li>
                <b>${c.label}</b>: ${a(s,"panel_paused_until",{until:h(s,c.pause.until,!0)})}
                ${c.pause.by?a(s,"panel_paused_by",{user:c.pause.by}):""} · ${a(s,`pause_reason_${c.pause.reason}`)}
              </li>`)}
            </ul>`:l`<p class="muted">${a(s,"panel_no_pauses")}</p>`}
        <h3>${a(s,"panel_journal_today")}</h3>
        ${this.renderJournal(e)}
        ${this.renderDownload(e)}
      </section>
    `}renderJournal(e){let s=this.hass,n=[...e.journal].reverse().slice(0,100);return n.length?l`<ul class="list journal">
      ${n.map(i=>{let o=[i.outcome?a(s,`outcome_${i.outcome}`):"",i.kind==="paused"&&i.reason?a(s,`pause_reason_${i.reason}`):"",i.note??""].filter(Boolean);return l`<li data-kind=${i.kind}>
          <span class="when">${h(s,i.at)}</span>
          <b>${i.apartment}</b> ${a(s,`csv_event_${i.kind}`)}${o.length?`: ${o.join(" \xB7 ")}`:""}
          ${i.user?l`<span class="who">(${i.user})</span>`:d}
        </li>`})}
    </ul>`:l`<p class="muted">${a(s,"panel_journal_empty")}</p>`}renderDownload(e){let s=this.hass,n=T(s,new Date),i=this.range[e.entry_id]??{start:n,end:n,content:"entries"},o=(c,p)=>this.range={...this.range,[e.entry_id]:{...i,[c]:p}};return l`<div class="download">
      <label>${a(s,"panel_from")} <input type="date" name="start" .value=${i.start}
        @change=${c=>o("start",c.target.value)} /></label>
      <label>${a(s,"panel_to")} <input type="date" name="end" .value=${i.end}
        @change=${c=>o("end",c.target.value)} /></label>
      <label>${a(s,"panel_content")} <select name="content" .value=${i.content}
        @change=${c=>o("content",c.target.value)}>
        ${Zt.map(c=>l`<option value=${c} ?selected=${i.content===c}>${a(s,`panel_content_${c}`)}</option>`)}
      </select></label>
      <button class="primary" name="download" @click=${()=>this.download(e,i)}>${a(s,"panel_download")}</button>
    </div>`}async download(e,s){let n=this.hass.language.startsWith("sv")?"sv":"en",{url:i}=await this.hass.callWS({type:`${b}/journal_url`,entry_id:e.entry_id,start:s.start,end:s.end,content:s.content,language:n}),o=document.createElement("a");o.href=i,o.download="",this.renderRoot.appendChild(o),o.click(),o.remove()}static{this.styles=$`
    :host { display: block; min-height: 100vh; background: var(--primary-background-color, #fafafa); color: var(--primary-text-color, #212121); font-size: 16px; }
    .toolbar { display: flex; align-items: center; gap: 8px; height: 56px; padding: 0 12px; background: var(--app-header-background-color, var(--primary-color, #03a9f4)); color: var(--app-header-text-color, #fff); position: sticky; top: 0; z-index: 2; }
    h1 { font-size: 1.25rem; margin: 0; font-weight: 500; }
    main { padding: 12px; max-width: 1200px; margin: 0 auto; }
    h2 { margin: 8px 0 0; font-size: 1.3rem; }
    h3 { margin: 20px 0 6px; font-size: 1.05rem; }
    .summary, .muted { color: var(--secondary-text-color, #727272); margin: 4px 0 10px; }
    .list { list-style: none; padding: 0; margin: 0; background: var(--card-background-color, #fff); border-radius: 12px; }
    .list li { padding: 8px 12px; border-bottom: 1px solid var(--divider-color, #e0e0e0); }
    .list li:last-child { border-bottom: none; }
    .when { color: var(--secondary-text-color, #727272); margin-right: 6px; font-variant-numeric: tabular-nums; }
    .who { color: var(--secondary-text-color, #727272); }
    .download { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 16px 0 32px; }
    .download label { display: flex; flex-direction: column; font-size: 0.9rem; gap: 2px; }
    input, select { font: inherit; padding: 8px; min-height: 40px; box-sizing: border-box; border-radius: 8px; border: 1px solid var(--divider-color, #ccc); background: var(--card-background-color, #fff); color: inherit; }
    button { font: inherit; min-height: 44px; padding: 0 16px; border-radius: 22px; border: none; cursor: pointer; background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); font-weight: 600; }
  `}};customElements.get("municipal-iot-panel")||customElements.define("municipal-iot-panel",W);customElements.get("municipal-iot-care-card")||(customElements.define("municipal-iot-care-card",q),(window.customCards??=[]).push({type:"municipal-iot-care-card",name:"Municipal IoT: care unit",description:"The apartments of one care unit, sorted by urgency, with the staff actions."}));
